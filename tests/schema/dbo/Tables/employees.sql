-- Self-referencing hierarchy (booklet 6.4): manager_id is NULL at the top.
CREATE TABLE [dbo].[employees] (
    [id]         INT            NOT NULL,
    [name]       NVARCHAR (100) NOT NULL,
    [manager_id] INT            NULL,
    [salary]     MONEY          NULL,
    [hired_on]   DATE           NOT NULL,
    CONSTRAINT [PK_employees] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [FK_employees_manager] FOREIGN KEY ([manager_id]) REFERENCES [dbo].[employees] ([id])
);


GO
CREATE NONCLUSTERED INDEX [IX_employees_manager_id]
    ON [dbo].[employees]([manager_id] ASC);
