DROP TABLE staff_invitations;
DROP TABLE support_grants;
DROP TABLE store_status_changes;
DROP TABLE audit_log;
DROP TABLE casbin_rules;
DROP TABLE api_keys;
DROP TABLE auth_sessions;
