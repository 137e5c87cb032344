CREATE TABLE [dbo].[orders] (
    [id]         INT             IDENTITY (1, 1) NOT NULL,
    [user_id]    INT             NOT NULL,
    [total]      DECIMAL (18, 2) NOT NULL,
    [status]     VARCHAR (20)    CONSTRAINT [DF_orders_status] DEFAULT ('new') NOT NULL,
    [note]       NVARCHAR (MAX)  NULL,
    [created_at] DATETIME2 (7)   CONSTRAINT [DF_orders_created_at] DEFAULT (sysutcdatetime()) NOT NULL,
    [shipped_at] DATETIMEOFFSET (7) NULL,
    CONSTRAINT [PK_orders] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [FK_orders_users] FOREIGN KEY ([user_id]) REFERENCES [dbo].[users] ([id]) ON DELETE CASCADE,
    CONSTRAINT [CK_orders_total] CHECK ([total] >= (0))
);


GO
CREATE NONCLUSTERED INDEX [IX_orders_user_id]
    ON [dbo].[orders]([user_id] ASC)
    INCLUDE([total], [created_at]);


GO
CREATE NONCLUSTERED INDEX [IX_orders_created_at]
    ON [dbo].[orders]([created_at] DESC);


GO
CREATE NONCLUSTERED INDEX [IX_orders_unshipped]
    ON [dbo].[orders]([created_at] ASC) WHERE ([shipped_at] IS NULL);
