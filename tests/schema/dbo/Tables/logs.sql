CREATE TABLE [dbo].[logs] (
    [id]        BIGINT          IDENTITY (1, 1) NOT NULL,
    [level]     TINYINT         CONSTRAINT [DF_logs_level] DEFAULT ((20)) NOT NULL,
    [msg]       NVARCHAR (4000) NOT NULL,
    [logged_at] DATETIME2 (3)   CONSTRAINT [DF_logs_logged_at] DEFAULT (sysutcdatetime()) NOT NULL,
    CONSTRAINT [PK_logs] PRIMARY KEY CLUSTERED ([id] ASC)
);
