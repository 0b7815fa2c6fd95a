-- Least-privilege role for jitsudod (schema.md §4). Run as the database owner, then `jitsudod migrate`.
-- Set the password with: ALTER ROLE jitsudo_app PASSWORD '...';
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN
        CREATE ROLE jitsudo_app LOGIN;
    END IF;
END
$$;
