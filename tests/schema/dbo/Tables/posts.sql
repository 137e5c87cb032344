CREATE TABLE [dbo].[posts] (
    [id]           INT             IDENTITY (1, 1) NOT NULL,
    [author_id]    INT             NULL,
    [title]        NVARCHAR (200)  NOT NULL,
    [content]      NVARCHAR (MAX)  NOT NULL,
    [published_at] DATETIME2 (7)   NULL,
    CONSTRAINT [PK_posts] PRIMARY KEY CLUSTERED ([id] ASC),
    -- Nullable: a post survives its author's account being removed.
    CONSTRAINT [FK_posts_users] FOREIGN KEY ([author_id]) REFERENCES [dbo].[users] ([id]) ON DELETE SET NULL
);
