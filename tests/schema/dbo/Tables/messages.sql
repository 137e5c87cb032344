CREATE TABLE [dbo].[messages] (
    [id]        INT              IDENTITY (1, 1) NOT NULL,
    [public_id] UNIQUEIDENTIFIER ROWGUIDCOL CONSTRAINT [DF_messages_public_id] DEFAULT (newsequentialid()) NOT NULL,
    [user_id]   INT              NOT NULL,
    [content]   NVARCHAR (500)   NOT NULL,
    [sent_at]   DATETIME2 (7)    CONSTRAINT [DF_messages_sent_at] DEFAULT (sysutcdatetime()) NULL,
    CONSTRAINT [PK_messages] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [UQ_messages_public_id] UNIQUE NONCLUSTERED ([public_id] ASC),
    CONSTRAINT [FK_messages_users] FOREIGN KEY ([user_id]) REFERENCES [dbo].[users] ([id])
);
