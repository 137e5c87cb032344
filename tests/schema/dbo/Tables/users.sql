CREATE TABLE [dbo].[users] (
    [id]         INT           IDENTITY (1, 1) NOT NULL,
    [username]   NVARCHAR (50) NOT NULL,
    [fullname]   [dbo].[Name]  NOT NULL,
    [email]      [dbo].[Email] NULL,
    [is_active]  BIT           CONSTRAINT [DF_users_is_active] DEFAULT ((1)) NOT NULL,
    [version]    INT           CONSTRAINT [DF_users_version] DEFAULT ((1)) NOT NULL,
    [created_at] DATETIME2 (7) CONSTRAINT [DF_users_created_at] DEFAULT (sysutcdatetime()) NOT NULL,
    CONSTRAINT [PK_users] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [UQ_users_username] UNIQUE NONCLUSTERED ([username] ASC)
);


GO
CREATE NONCLUSTERED INDEX [IX_users_email]
    ON [dbo].[users]([email] ASC) WHERE ([email] IS NOT NULL);
