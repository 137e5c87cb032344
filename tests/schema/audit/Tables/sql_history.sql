-- As in booklet 12.3, written the way a hand-kept script writes it.
CREATE TABLE audit.sql_history (
  id           INT IDENTITY PRIMARY KEY,
  timestamp    DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(),
  statement    NVARCHAR(MAX),
  parameters   NVARCHAR(MAX)
);
