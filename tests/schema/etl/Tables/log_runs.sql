CREATE TABLE [etl].[log_runs] (
    [id]            INT            IDENTITY (1, 1) NOT NULL,
    [start_time]    DATETIME2 (7)  NOT NULL,
    [end_time]      DATETIME2 (7)  NULL,
    [status]        VARCHAR (20)   NOT NULL,
    [rows_loaded]   INT            NULL,
    [error_message] NVARCHAR (MAX) NULL,
    CONSTRAINT [PK_log_runs] PRIMARY KEY CLUSTERED ([id] ASC),
    CONSTRAINT [CK_log_runs_status] CHECK ([status] IN ('RUNNING', 'SUCCESS', 'FAILED'))
);
