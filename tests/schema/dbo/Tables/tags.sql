CREATE TABLE [dbo].[tags] (
    [id]   INT           IDENTITY (1, 1) NOT NULL,
    [name] NVARCHAR (50) NOT NULL,
    CONSTRAINT [PK_tags] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [UQ_tags_name] UNIQUE NONCLUSTERED ([name] ASC)
);
