-- Named by T-SQL keywords on purpose: the table [group] and the columns
-- [order], [key] and [public] must always be bracket-quoted.
CREATE TABLE [dbo].[group] (
    [id]         INT           IDENTITY (1, 1) NOT NULL,
    [name]       NVARCHAR (100) NOT NULL,
    [key]        VARCHAR (20)  NOT NULL,
    [order]      INT           CONSTRAINT [DF_group_order] DEFAULT ((0)) NOT NULL,
    [public]     BIT           CONSTRAINT [DF_group_public] DEFAULT ((1)) NOT NULL,
    [created_by] INT           NULL,
    CONSTRAINT [PK_group] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [UQ_group_key] UNIQUE NONCLUSTERED ([key] ASC),
    CONSTRAINT [FK_group_users] FOREIGN KEY ([created_by]) REFERENCES [dbo].[users] ([id])
);
