import Foundation

/// The schema's history. Append new migrations at the end; never edit an applied one.
public enum Migrations {
    public static let all: [Migration] = [
        tenancy, docs, embeddings, auth, accounts, requestStatistics, uploads, walkthroughs, support, analytics, monitoring,
        errorTracking, sessionsLogLevel, eventsClient, requestBuckets, refreshSuccessor, searchRevisions,
    ]

    /// Organizations, their MCP servers, and the MCP endpoint's sessions.
    static let tenancy = Migration(version: 1, name: "tenancy") { dialect in
        [
            """
            CREATE TABLE organizations (
                id \(dialect.autoIncrementPrimaryKey),
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE mcp_servers (
                id \(dialect.autoIncrementPrimaryKey),
                organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                auth_mode TEXT NOT NULL DEFAULT 'none' CHECK (auth_mode IN ('none', 'oauth')),
                settings TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX mcp_servers_organization ON mcp_servers (organization_id)",
            """
            CREATE TABLE mcp_sessions (
                id TEXT PRIMARY KEY,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                protocol_version TEXT NOT NULL,
                client_name TEXT,
                client_version TEXT,
                client_capabilities TEXT NOT NULL DEFAULT '{}',
                initialized BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL,
                ended_at BIGINT
            )
            """,
            "CREATE INDEX mcp_sessions_server ON mcp_sessions (server_id, last_seen_at)",
        ]
    }

    /// Documentation sources, their pages and chunks, the search index, and ingestion jobs.
    /// SQLite's full-text index is an FTS5 table per server, created by ``SearchIndex``; on
    /// PostgreSQL the same BM25 is computed from `doc_terms`.
    static let docs = Migration(version: 2, name: "docs") { dialect in
        var statements = [
            """
            CREATE TABLE doc_sources (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                location TEXT NOT NULL,
                version TEXT NOT NULL,
                settings TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                last_ingested_at BIGINT,
                UNIQUE (server_id, location, version)
            )
            """,
            """
            CREATE TABLE doc_pages (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                source_id BIGINT NOT NULL REFERENCES doc_sources(id) ON DELETE CASCADE,
                version TEXT NOT NULL,
                url TEXT NOT NULL,
                title TEXT NOT NULL,
                content TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                etag TEXT,
                last_modified TEXT,
                links TEXT,
                bytes BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (source_id, url)
            )
            """,
            "CREATE INDEX doc_pages_server ON doc_pages (server_id, version, url)",
            """
            CREATE TABLE doc_chunks (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                page_id BIGINT NOT NULL REFERENCES doc_pages(id) ON DELETE CASCADE,
                version TEXT NOT NULL,
                position BIGINT NOT NULL,
                anchor TEXT,
                heading_path TEXT NOT NULL,
                text TEXT NOT NULL,
                term_count BIGINT NOT NULL
            )
            """,
            "CREATE INDEX doc_chunks_page ON doc_chunks (page_id, position)",
            "CREATE INDEX doc_chunks_server ON doc_chunks (server_id, version)",
            """
            CREATE TABLE ingest_jobs (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                source_id BIGINT NOT NULL REFERENCES doc_sources(id) ON DELETE CASCADE,
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
                pages_total BIGINT NOT NULL DEFAULT 0,
                pages_indexed BIGINT NOT NULL DEFAULT 0,
                pages_unchanged BIGINT NOT NULL DEFAULT 0,
                pages_failed BIGINT NOT NULL DEFAULT 0,
                pages_removed BIGINT NOT NULL DEFAULT 0,
                bytes BIGINT NOT NULL DEFAULT 0,
                error TEXT,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT,
                heartbeat_at BIGINT
            )
            """,
            "CREATE INDEX ingest_jobs_status ON ingest_jobs (status, created_at)",
            "CREATE INDEX ingest_jobs_server ON ingest_jobs (server_id, created_at)",
            """
            CREATE TABLE ingest_job_pages (
                job_id BIGINT NOT NULL REFERENCES ingest_jobs(id) ON DELETE CASCADE,
                url TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('indexed', 'unchanged', 'failed', 'removed')),
                bytes BIGINT NOT NULL DEFAULT 0,
                error TEXT,
                PRIMARY KEY (job_id, url)
            )
            """,
        ]
        if dialect == .postgres {
            statements += [
                """
                CREATE TABLE doc_terms (
                    server_id BIGINT NOT NULL,
                    chunk_id BIGINT NOT NULL REFERENCES doc_chunks(id) ON DELETE CASCADE,
                    term TEXT NOT NULL,
                    weight DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (server_id, term, chunk_id)
                )
                """,
                "CREATE INDEX doc_terms_chunk ON doc_terms (chunk_id)",
            ]
        }
        return statements
    }

    /// Embedding vectors of chunks for semantic ranking (little-endian Float32, L2-normalized),
    /// the change stamp that invalidates every instance's in-memory copy of them, and the
    /// embedding outcome of ingestion jobs.
    static let embeddings = Migration(version: 3, name: "embeddings") { dialect in
        [
            """
            CREATE TABLE doc_embeddings (
                chunk_id BIGINT PRIMARY KEY REFERENCES doc_chunks(id) ON DELETE CASCADE,
                server_id BIGINT NOT NULL,
                version TEXT NOT NULL,
                model TEXT NOT NULL,
                vector \(dialect.blob) NOT NULL
            )
            """,
            "CREATE INDEX doc_embeddings_server ON doc_embeddings (server_id, version)",
            """
            CREATE TABLE doc_embedding_revisions (
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                version TEXT NOT NULL,
                revision BIGINT NOT NULL,
                PRIMARY KEY (server_id, version)
            )
            """,
            "ALTER TABLE ingest_jobs ADD COLUMN chunks_embedded BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE ingest_jobs ADD COLUMN embedding_error TEXT",
        ]
    }

    /// End users, the per-server OAuth authorization servers (clients, pending authorizations,
    /// codes, grants, refresh tokens, signing keys), the customers' upstream identity providers,
    /// and the shared rate-limit counters.
    static let auth = Migration(version: 4, name: "auth") { dialect in
        [
            """
            CREATE TABLE end_users (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                subject TEXT NOT NULL,
                email TEXT,
                name TEXT,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL,
                UNIQUE (server_id, subject)
            )
            """,
            "ALTER TABLE mcp_sessions ADD COLUMN end_user_id BIGINT REFERENCES end_users(id) ON DELETE CASCADE",
            """
            CREATE TABLE auth_providers (
                server_id BIGINT PRIMARY KEY REFERENCES mcp_servers(id) ON DELETE CASCADE,
                settings TEXT NOT NULL,
                client_secret TEXT,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE oauth_clients (
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                name TEXT,
                redirect_uris TEXT NOT NULL,
                auth_method TEXT NOT NULL,
                secret_hash TEXT,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at BIGINT NOT NULL,
                expires_at BIGINT,
                PRIMARY KEY (server_id, client_id)
            )
            """,
            """
            CREATE TABLE oauth_authorizations (
                id TEXT PRIMARY KEY,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                redirect_uri TEXT NOT NULL,
                redirect_uri_given BIGINT NOT NULL,
                state TEXT,
                code_challenge TEXT NOT NULL,
                resource TEXT NOT NULL,
                issuer TEXT NOT NULL,
                scope TEXT NOT NULL,
                csrf_hash TEXT NOT NULL,
                upstream_state_hash TEXT UNIQUE,
                upstream_nonce TEXT,
                upstream_verifier TEXT,
                browser_binding_hash TEXT,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE oauth_grants (
                id TEXT PRIMARY KEY,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                end_user_id BIGINT NOT NULL REFERENCES end_users(id) ON DELETE CASCADE,
                scope TEXT NOT NULL,
                resource TEXT NOT NULL,
                issuer TEXT NOT NULL,
                upstream_refresh_token TEXT,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT,
                revoked_reason TEXT
            )
            """,
            "CREATE INDEX oauth_grants_user ON oauth_grants (server_id, end_user_id)",
            """
            CREATE TABLE oauth_codes (
                code_hash TEXT PRIMARY KEY,
                authorization_id TEXT NOT NULL,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
                redirect_uri TEXT NOT NULL,
                redirect_uri_given BIGINT NOT NULL,
                code_challenge TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            """
            CREATE TABLE oauth_refresh_tokens (
                token_hash TEXT PRIMARY KEY,
                grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            "CREATE INDEX oauth_refresh_tokens_grant ON oauth_refresh_tokens (grant_id)",
            """
            CREATE TABLE oauth_signing_keys (
                kid TEXT PRIMARY KEY,
                private_key TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                retired_at BIGINT
            )
            """,
            """
            CREATE TABLE rate_limits (
                key TEXT PRIMARY KEY,
                window_start BIGINT NOT NULL,
                count BIGINT NOT NULL
            )
            """,
        ]
    }

    /// The customers' dashboard accounts: users, their browser sessions, organization
    /// memberships with roles, invitations, organization API keys, password resets, and the outgoing
    /// email queue.
    static let accounts = Migration(version: 5, name: "accounts") { dialect in
        [
            """
            CREATE TABLE users (
                id \(dialect.autoIncrementPrimaryKey),
                email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                is_operator BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                last_login_at BIGINT
            )
            """,
            """
            CREATE TABLE web_sessions (
                token_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX web_sessions_user ON web_sessions (user_id)",
            """
            CREATE TABLE memberships (
                organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
                created_at BIGINT NOT NULL,
                PRIMARY KEY (organization_id, user_id)
            )
            """,
            "CREATE INDEX memberships_user ON memberships (user_id)",
            """
            CREATE TABLE invitations (
                id \(dialect.autoIncrementPrimaryKey),
                token_hash TEXT NOT NULL UNIQUE,
                organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                email TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
                invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                accepted_at BIGINT,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX invitations_organization ON invitations (organization_id)",
            """
            CREATE TABLE api_keys (
                id \(dialect.autoIncrementPrimaryKey),
                organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX api_keys_organization ON api_keys (organization_id)",
            """
            CREATE TABLE password_resets (
                token_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            """
            CREATE TABLE outbox_emails (
                id \(dialect.autoIncrementPrimaryKey),
                to_address TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                sent_at BIGINT,
                last_error TEXT,
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT,
                failed_at BIGINT
            )
            """,
            "CREATE INDEX outbox_emails_due ON outbox_emails (next_attempt_at)",
        ]
    }

    /// MCP requests per server and minute, with a latency histogram (the dashboard's live status).
    static let requestStatistics = Migration(version: 6, name: "request statistics") { _ in
        [
            """
            CREATE TABLE request_minutes (
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                minute BIGINT NOT NULL,
                requests BIGINT NOT NULL,
                errors BIGINT NOT NULL,
                \((0...RequestStatistics.bucketBounds.count).map { "l\($0) BIGINT NOT NULL DEFAULT 0," }.joined(separator: " "))
                PRIMARY KEY (server_id, minute)
            )
            """
        ]
    }

    /// The files of documentation uploaded in the dashboard, in the database so that any
    /// instance's ingestion worker can read them (see ``DocumentUpload``).
    static let uploads = Migration(version: 7, name: "uploads") { dialect in
        [
            """
            CREATE TABLE doc_upload_files (
                source_id BIGINT NOT NULL REFERENCES doc_sources(id) ON DELETE CASCADE,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                path TEXT NOT NULL,
                content \(dialect.blob) NOT NULL,
                content_hash TEXT NOT NULL,
                bytes BIGINT NOT NULL,
                PRIMARY KEY (source_id, path)
            )
            """,
            "CREATE INDEX doc_upload_files_server ON doc_upload_files (server_id)",
        ]
    }

    /// Walkthroughs: each edit of a published walkthrough makes a new version, so published
    /// versions never change; end users' runs through them and each step they completed.
    static let walkthroughs = Migration(version: 8, name: "walkthroughs") { dialect in
        [
            """
            CREATE TABLE walkthroughs (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                slug TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (server_id, slug)
            )
            """,
            """
            CREATE TABLE walkthrough_versions (
                id \(dialect.autoIncrementPrimaryKey),
                walkthrough_id BIGINT NOT NULL REFERENCES walkthroughs(id) ON DELETE CASCADE,
                number BIGINT NOT NULL,
                content TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                published_at BIGINT,
                UNIQUE (walkthrough_id, number)
            )
            """,
            """
            CREATE TABLE walkthrough_runs (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                walkthrough_id BIGINT NOT NULL REFERENCES walkthroughs(id) ON DELETE CASCADE,
                version_id BIGINT NOT NULL REFERENCES walkthrough_versions(id) ON DELETE CASCADE,
                participant TEXT NOT NULL,
                end_user_id BIGINT REFERENCES end_users(id) ON DELETE CASCADE,
                steps_completed BIGINT NOT NULL DEFAULT 0,
                started_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                finished_at BIGINT,
                replaced_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX walkthrough_runs_current ON walkthrough_runs (walkthrough_id, participant) WHERE replaced_at IS NULL",
            "CREATE INDEX walkthrough_runs_server ON walkthrough_runs (server_id)",
            """
            CREATE TABLE walkthrough_step_events (
                id \(dialect.autoIncrementPrimaryKey),
                run_id BIGINT NOT NULL REFERENCES walkthrough_runs(id) ON DELETE CASCADE,
                walkthrough_id BIGINT NOT NULL REFERENCES walkthroughs(id) ON DELETE CASCADE,
                step BIGINT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('done', 'skipped', 'failed')),
                note TEXT,
                duration_ms BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX walkthrough_step_events_walkthrough ON walkthrough_step_events (walkthrough_id, step)",
            "CREATE INDEX walkthrough_step_events_run ON walkthrough_step_events (run_id)",
        ]
    }

    /// Support: tickets numbered per organization with their activity stream and who read them,
    /// the MCP tool calls they are linked to, and the organizations' webhooks with a durable
    /// delivery queue.
    static let support = Migration(version: 9, name: "support") { dialect in
        [
            """
            CREATE TABLE ticket_counters (
                organization_id BIGINT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
                last_number BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE tickets (
                id \(dialect.autoIncrementPrimaryKey),
                organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                number BIGINT NOT NULL,
                title TEXT NOT NULL,
                description TEXT NOT NULL,
                context TEXT,
                severity TEXT NOT NULL CHECK (severity IN ('low', 'normal', 'high', 'urgent')),
                priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
                status TEXT NOT NULL CHECK (status IN ('pending', 'in_progress', 'resolved', 'closed')),
                participant TEXT NOT NULL,
                end_user_id BIGINT REFERENCES end_users(id) ON DELETE SET NULL,
                session_id TEXT,
                email TEXT,
                client_name TEXT,
                assignee_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
                activity TEXT NOT NULL DEFAULT '[]',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (organization_id, number)
            )
            """,
            "CREATE INDEX tickets_inbox ON tickets (organization_id, status, updated_at)",
            "CREATE INDEX tickets_participant ON tickets (server_id, participant)",
            """
            CREATE TABLE ticket_events (
                id \(dialect.autoIncrementPrimaryKey),
                ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('created', 'note', 'reply', 'status', 'priority', 'assignment')),
                author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
                author_name TEXT,
                body TEXT,
                old_value TEXT,
                new_value TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id)",
            """
            CREATE TABLE ticket_reads (
                ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                read_at BIGINT NOT NULL,
                PRIMARY KEY (ticket_id, user_id)
            )
            """,
            """
            CREATE TABLE tool_calls (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                session_id TEXT NOT NULL,
                end_user_id BIGINT,
                tool TEXT NOT NULL,
                summary TEXT,
                is_error BIGINT NOT NULL,
                latency_ms BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX tool_calls_session ON tool_calls (server_id, session_id, id)",
            """
            CREATE TABLE webhooks (
                id \(dialect.autoIncrementPrimaryKey),
                organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
                url TEXT NOT NULL,
                format TEXT NOT NULL CHECK (format IN ('json', 'slack')),
                events TEXT NOT NULL,
                secret TEXT NOT NULL,
                enabled BIGINT NOT NULL,
                consecutive_failures BIGINT NOT NULL DEFAULT 0,
                disabled_reason TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhooks_organization ON webhooks (organization_id)",
            """
            CREATE TABLE webhook_deliveries (
                id \(dialect.autoIncrementPrimaryKey),
                webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                event TEXT NOT NULL,
                payload TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT,
                claimed_until BIGINT,
                response_status BIGINT,
                response_body TEXT,
                error TEXT,
                attempt_log TEXT NOT NULL DEFAULT '[]',
                created_at BIGINT NOT NULL,
                delivered_at BIGINT
            )
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
            "CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)",
            "CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at)",
        ]
    }

    /// Analytics: every MCP request an MCP server answered (replacing the tool calls of
    /// version 9, which are copied over), usage sessions (with the tools they used), explicit
    /// feedback, daily rollups kept after raw events expire (counts, and per query, page and
    /// tool), and the processor's lease. Requests get a latency sum so that
    /// the average response time is exact.
    static let analytics = Migration(version: 10, name: "analytics") { dialect in
        [
            """
            CREATE TABLE mcp_events (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                session_id TEXT NOT NULL,
                participant TEXT NOT NULL,
                end_user_id BIGINT,
                method TEXT NOT NULL,
                tool TEXT,
                summary TEXT,
                query_key TEXT,
                result_count BIGINT,
                pages TEXT,
                outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'tool_error', 'error')),
                error_code BIGINT,
                latency_us BIGINT NOT NULL,
                analytics_session_id BIGINT,
                resolution TEXT CHECK (resolution IN ('resolved', 'unresolved')),
                resolution_reason TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            """
            INSERT INTO mcp_events (server_id, session_id, participant, end_user_id, method, tool, summary, outcome, latency_us, created_at)
            SELECT server_id, session_id, CASE WHEN end_user_id IS NULL THEN 'session:' || session_id ELSE 'user:' || end_user_id END,
                end_user_id, 'tools/call', tool, summary, CASE WHEN is_error <> 0 THEN 'tool_error' ELSE 'ok' END, latency_ms * 1000, created_at
            FROM tool_calls ORDER BY id
            """,
            "DROP TABLE tool_calls",
            "CREATE INDEX mcp_events_session ON mcp_events (server_id, session_id, id)",
            "CREATE INDEX mcp_events_server_time ON mcp_events (server_id, created_at)",
            "CREATE INDEX mcp_events_unprocessed ON mcp_events (id) WHERE analytics_session_id IS NULL",
            "CREATE INDEX mcp_events_unresolved ON mcp_events (created_at) WHERE tool = 'search_docs' AND resolution IS NULL",
            "CREATE INDEX mcp_events_analytics_session ON mcp_events (analytics_session_id, id)",
            """
            CREATE TABLE analytics_sessions (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                participant TEXT NOT NULL,
                end_user_id BIGINT,
                client_name TEXT,
                client_version TEXT,
                started_at BIGINT NOT NULL,
                last_activity_at BIGINT NOT NULL,
                requests BIGINT NOT NULL,
                tool_calls BIGINT NOT NULL,
                searches BIGINT NOT NULL,
                tools TEXT NOT NULL DEFAULT ''
            )
            """,
            "CREATE INDEX analytics_sessions_started ON analytics_sessions (server_id, started_at)",
            // Covers the distinct-user counts of the overview (no table reads).
            """
            CREATE INDEX analytics_sessions_active ON analytics_sessions (server_id, last_activity_at, started_at, tool_calls, participant)
            """,
            "CREATE INDEX analytics_sessions_participant ON analytics_sessions (server_id, participant, last_activity_at)",
            """
            CREATE TABLE feedback (
                id \(dialect.autoIncrementPrimaryKey),
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                session_id TEXT NOT NULL,
                participant TEXT NOT NULL,
                search_event_id BIGINT,
                helpful BIGINT NOT NULL,
                query TEXT,
                url TEXT,
                comment TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX feedback_server ON feedback (server_id, created_at)",
            """
            CREATE TABLE analytics_days (
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                day BIGINT NOT NULL,
                requests BIGINT NOT NULL,
                errors BIGINT NOT NULL,
                latency_us BIGINT NOT NULL,
                \((0...RequestStatistics.bucketBounds.count).map { "l\($0) BIGINT NOT NULL DEFAULT 0," }.joined(separator: " "))
                active_users BIGINT NOT NULL,
                tool_calls BIGINT NOT NULL,
                searches BIGINT NOT NULL,
                resolved BIGINT NOT NULL,
                unresolved BIGINT NOT NULL,
                PRIMARY KEY (server_id, day)
            )
            """,
            """
            CREATE TABLE analytics_day_keys (
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                day BIGINT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('query', 'page', 'tool')),
                key TEXT NOT NULL,
                label TEXT,
                hits BIGINT NOT NULL,
                users BIGINT NOT NULL,
                zero_results BIGINT NOT NULL DEFAULT 0,
                resolved BIGINT NOT NULL DEFAULT 0,
                unresolved BIGINT NOT NULL DEFAULT 0,
                shown BIGINT NOT NULL DEFAULT 0,
                last_seen BIGINT,
                example_session BIGINT,
                PRIMARY KEY (server_id, kind, day, key)
            )
            """,
            "ALTER TABLE request_minutes ADD COLUMN latency_us BIGINT NOT NULL DEFAULT 0",
            """
            CREATE TABLE analytics_leases (
                name TEXT PRIMARY KEY,
                holder TEXT,
                expires_at BIGINT NOT NULL DEFAULT 0
            )
            """,
            "INSERT INTO analytics_leases (name) VALUES ('processor')",
        ]
    }

    /// Error tracking: unexpected errors grouped by fingerprint, with their latest occurrences.
    /// Server ids carry no foreign key: an error of a server deleted since is still recorded.
    static let errorTracking = Migration(version: 12, name: "error tracking") { dialect in
        [
            """
            CREATE TABLE error_groups (
                id \(dialect.autoIncrementPrimaryKey),
                fingerprint TEXT NOT NULL UNIQUE,
                place TEXT NOT NULL,
                error_type TEXT NOT NULL,
                message TEXT NOT NULL,
                count BIGINT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                last_request_id TEXT,
                last_server_id BIGINT
            )
            """,
            "CREATE INDEX error_groups_last_seen ON error_groups (last_seen)",
            """
            CREATE TABLE error_occurrences (
                id \(dialect.autoIncrementPrimaryKey),
                group_id BIGINT NOT NULL REFERENCES error_groups(id) ON DELETE CASCADE,
                server_id BIGINT,
                request_id TEXT,
                context TEXT NOT NULL,
                message TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX error_occurrences_group ON error_occurrences (group_id, id)",
            "CREATE INDEX error_occurrences_created ON error_occurrences (created_at)",
        ]
    }

    /// Monitoring: the synthetic uptime checks (one row per server and minute, claimed by the
    /// instance that checks it), alert rules (an organization's, or platform-wide when
    /// `organization_id` is NULL, with the platform's defaults) and the alerts they opened. At most
    /// one alert per rule and server fires at a time (a partial unique index).
    static let monitoring = Migration(version: 11, name: "monitoring") { dialect in
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        return [
            """
            CREATE TABLE uptime_checks (
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                minute BIGINT NOT NULL,
                ok BIGINT,
                latency_ms BIGINT,
                http_status BIGINT,
                error TEXT,
                checked_at BIGINT NOT NULL,
                PRIMARY KEY (server_id, minute)
            )
            """,
            """
            CREATE TABLE alert_rules (
                id \(dialect.autoIncrementPrimaryKey),
                organization_id BIGINT REFERENCES organizations(id) ON DELETE CASCADE,
                server_id BIGINT REFERENCES mcp_servers(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('error_rate', 'p95_latency', 'ingestion_failure', 'server_down')),
                threshold DOUBLE PRECISION NOT NULL,
                window_minutes BIGINT NOT NULL,
                min_requests BIGINT NOT NULL DEFAULT 20,
                notify_email BIGINT NOT NULL,
                enabled BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX alert_rules_organization ON alert_rules (organization_id)",
            """
            CREATE TABLE alerts (
                id \(dialect.autoIncrementPrimaryKey),
                rule_id BIGINT NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
                server_id BIGINT NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
                state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
                value DOUBLE PRECISION NOT NULL,
                message TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                resolved_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX alerts_firing ON alerts (rule_id, server_id) WHERE state = 'firing'",
            "CREATE INDEX alerts_server ON alerts (server_id, started_at)",
            """
            INSERT INTO alert_rules (organization_id, server_id, kind, threshold, window_minutes, min_requests, notify_email, enabled,
                created_at, updated_at)
            VALUES (NULL, NULL, 'error_rate', 1, 15, 20, 1, 1, \(now), \(now)),
                (NULL, NULL, 'p95_latency', 2000, 15, 20, 1, 1, \(now), \(now)),
                (NULL, NULL, 'ingestion_failure', 0, 1440, 20, 1, 1, \(now), \(now)),
                (NULL, NULL, 'server_down', 3, 15, 20, 1, 1, \(now), \(now))
            """,
        ]
    }

    /// The minimum level of the log messages (`notifications/message`) a legacy MCP session asked
    /// for with `logging/setLevel`; NULL: none are sent.
    static let sessionsLogLevel = Migration(version: 13, name: "sessions log level") { _ in
        ["ALTER TABLE mcp_sessions ADD COLUMN log_level TEXT"]
    }

    /// The client's name and version on the events of modern (stateless) requests, which have no
    /// `mcp_sessions` row to take them from.
    static let eventsClient = Migration(version: 14, name: "events client") { _ in
        ["ALTER TABLE mcp_events ADD COLUMN client_name TEXT", "ALTER TABLE mcp_events ADD COLUMN client_version TEXT"]
    }

    /// The token buckets of the per-server and per-client request limits (``RequestRateLimiter``),
    /// shared by every instance. No index on `updated_at`: every request updates it, and without
    /// an index PostgreSQL updates the row in place (HOT); the sweep scans a table that holds only
    /// the buckets used since the last sweep.
    static let requestBuckets = Migration(version: 15, name: "request buckets") { _ in
        [
            """
            CREATE TABLE request_buckets (
                key TEXT PRIMARY KEY,
                capacity DOUBLE PRECISION NOT NULL,
                tokens DOUBLE PRECISION NOT NULL,
                allowed BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """
        ]
    }

    /// The token that replaced a used refresh token, sealed, so that a refresh whose answer was
    /// lost (a crash, a dropped connection) can be retried and gets the same successor.
    static let refreshSuccessor = Migration(version: 16, name: "refresh token successor") { _ in
        ["ALTER TABLE oauth_refresh_tokens ADD COLUMN successor TEXT"]
    }

    /// The change stamp of each server's searchable docs, which keeps every instance's in-memory
    /// search index (``SearchIndexCache``) current (see ``SearchRevisions``).
    /// Every server gets a random stamp (as ``TenancyStore/createServer(slug:name:organization:authMode:settings:)``
    /// gives new ones), so no two servers ever share a stamp with an index cached under a reused id.
    static let searchRevisions = Migration(version: 17, name: "search revisions") { dialect in
        [
            """
            CREATE TABLE doc_search_revisions (
                server_id BIGINT PRIMARY KEY REFERENCES mcp_servers(id) ON DELETE CASCADE,
                revision BIGINT NOT NULL
            )
            """,
            """
            INSERT INTO doc_search_revisions (server_id, revision)
            SELECT id, \(dialect == .sqlite ? "(random() & 9223372036854775807) | 1" : "(random() * 9.2e18)::bigint | 1") FROM mcp_servers
            """,
        ]
    }
}
