-- One optional profile per user (booklet chapter 7, the Alembic migration).
CREATE TABLE [dbo].[profiles] (
    [id]      INT            IDENTITY (1, 1) NOT NULL,
    [user_id] INT            NULL,
    [bio]     NVARCHAR (500) NULL,
    CONSTRAINT [PK_profiles] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [UQ_profiles_user_id] UNIQUE NONCLUSTERED ([user_id] ASC),
    CONSTRAINT [FK_profiles_users] FOREIGN KEY ([user_id]) REFERENCES [dbo].[users] ([id])
);
