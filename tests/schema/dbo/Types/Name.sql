-- A person's display name, shared by every table that stores one.
CREATE TYPE [dbo].[Name]
    FROM NVARCHAR (120) NOT NULL;
