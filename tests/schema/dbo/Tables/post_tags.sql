-- The many-to-many link between posts and tags (booklet 6.3).
CREATE TABLE [dbo].[post_tags] (
    [post_id]   INT           NOT NULL,
    [tag_id]    INT           NOT NULL,
    [tagged_at] DATETIME2 (7) CONSTRAINT [DF_post_tags_tagged_at] DEFAULT (sysutcdatetime()) NOT NULL,
    CONSTRAINT [PK_post_tags] PRIMARY KEY CLUSTERED ([post_id] ASC, [tag_id] ASC),
    CONSTRAINT [FK_post_tags_posts] FOREIGN KEY ([post_id]) REFERENCES [dbo].[posts] ([id]) ON DELETE CASCADE,
    CONSTRAINT [FK_post_tags_tags] FOREIGN KEY ([tag_id]) REFERENCES [dbo].[tags] ([id]) ON DELETE CASCADE
);


GO
CREATE NONCLUSTERED INDEX [IX_post_tags_tag_id]
    ON [dbo].[post_tags]([tag_id] ASC);
