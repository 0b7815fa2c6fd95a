extension Migration {
    /// `NOTIFY jitsudo_principals` with the identity whenever a principal's trust tier changes (set, or a principal
    /// with a tier above 0 created or deleted), so that replicas caching tiers forget that one at once
    /// (`TrustTierCache` in JitsudoServer). A first call's principal (tier 0, `touch`) and `last_seen_at` updates do not
    /// notify. An identity too long for a notification's payload (8,000 bytes) is sent as an empty payload: "forget
    /// every tier".
    static let trustTierNotify = Migration(
        version: 14,
        name: "0014_trust_tier_notify.sql",
        statements: [
            """
            CREATE FUNCTION principals_trust_tier_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                changed text;
            BEGIN
                IF TG_OP = 'INSERT' AND NEW.trust_tier <> 0 THEN
                    changed := NEW.identity;
                ELSIF TG_OP = 'UPDATE' AND NEW.trust_tier IS DISTINCT FROM OLD.trust_tier THEN
                    changed := NEW.identity;
                ELSIF TG_OP = 'DELETE' AND OLD.trust_tier <> 0 THEN
                    changed := OLD.identity;
                ELSE
                    RETURN NULL;
                END IF;
                PERFORM pg_notify('jitsudo_principals', CASE WHEN octet_length(changed) < 7900 THEN changed ELSE '' END);
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER principals_trust_tier_changed AFTER INSERT OR UPDATE OF trust_tier OR DELETE ON principals
            FOR EACH ROW EXECUTE FUNCTION principals_trust_tier_notify()
            """,
        ]
    )
}
