"""What B2B SaaS tickets are about: per topic, subject and body fragments with slots filled per ticket."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


def _num(lo: int, hi: int) -> Callable[[random.Random], str]:
    return lambda rng: str(rng.randint(lo, hi))


def _hexid(prefix: str, n: int) -> Callable[[random.Random], str]:
    return lambda rng: prefix + "".join(rng.choice("0123456789abcdef") for _ in range(n))


@dataclass(frozen=True)
class Topic:
    name: str
    slots: dict[str, list[str] | Callable[[random.Random], str]]
    subjects: list[str]
    problems: list[str]
    details: list[str]
    answers: list[str]
    fixes: list[str]
    causes: list[str]
    group: str = "Support T1"
    tags: list[str] = field(default_factory=list)


TOPICS: list[Topic] = [
    Topic(
        "sso",
        {"idp": ["Okta", "Azure AD", "OneLogin", "Google Workspace", "Ping Identity", "JumpCloud"],
         "count": _num(3, 60), "team": ["finance", "the EMEA sales team", "our contractors", "support", "marketing"],
         "error": ["InvalidNameIDPolicy", "SAML response signature invalid", "Audience mismatch",
                   "AuthnFailed: clock skew", "No matching user for assertion"],
         "req": _hexid("req_", 10)},
        ["SSO login failing for {team}", "SAML error after {idp} change", "{idp} SSO: users bounced back to login",
         "Cannot sign in with {idp}", "SAML assertion rejected ({error})", "SSO broken for {count} users"],
        ["Since this morning {count} people in {team} cannot log in through {idp}; they get '{error}' and land back on the login page.",
         "We rotated the signing certificate in {idp} yesterday and now SAML logins fail with '{error}'.",
         "Users from {team} are stuck in a redirect loop when they sign in via {idp}.",
         "New hires provisioned through {idp} can't get in. The error page says '{error}'."],
        ["Request ID from the error page is {req}.", "Password login still works for admins, only SSO is affected.",
         "We haven't changed anything on our side apart from the certificate.",
         "It started right after the maintenance window on {weekday}.", "SCIM provisioning looks fine, the users exist."],
        ["Could you send us the SAML response from a failed attempt (a HAR file or the SAML-tracer output)? "
         "The '{error}' message usually means the NameID format in {idp} differs from what we expect.",
         "Thanks for the request ID. I can see the assertion reach us, but it is signed with the old certificate. "
         "Can you confirm the new certificate was uploaded under Settings > Security > SSO?",
         "I checked {req}: the audience URI in the assertion doesn't match your tenant's entity ID. "
         "In {idp}, the audience should end in /saml/metadata."],
        ["We re-imported your {idp} metadata and cleared the cached certificate; {team} should be able to sign in now. "
         "Please ask one person to try in a private window and let me know.",
         "Fixed: the NameID policy is now set to emailAddress on our side to match {idp}. Logins should work again.",
         "The clock skew tolerance on your tenant was set to 0 seconds; I raised it to 180. Sign-ins through {idp} succeed in our test."],
        ["IdP metadata cached with the previous signing cert; cache TTL is 7 days on the legacy auth service.",
         "NameID format mismatch after the customer's {idp} app template update.",
         "Auth service rejects assertions with more than 0s skew for tenants created before the v3 migration."],
        group="Support T2",
    ),
    Topic(
        "api_rate_limit",
        {"endpoint": ["/v2/records", "/v1/contacts/search", "/v2/events/bulk", "/v3/orders", "/v2/files/upload"],
         "rate": _num(40, 400), "limit": ["100", "250", "500", "1,000"], "pct": _num(5, 45),
         "job": ["nightly sync", "reconciliation job", "backfill script", "ETL pipeline", "integration worker"]},
        ["API returning 429s on {endpoint}", "Rate limited on {endpoint} since the weekend", "Too many 429 responses",
         "Question about API limits for our {job}", "{job} failing with HTTP 429"],
        ["Our {job} is getting HTTP 429 on {endpoint} for roughly {pct}% of calls, at only about {rate} requests a minute.",
         "Since {weekday} the {job} hits 429 Too Many Requests on {endpoint} even though we stay well below the documented {limit}/min.",
         "We're seeing bursts of 429s from {endpoint}. Retry-After says 60 seconds, which stalls the whole {job}."],
        ["We already back off exponentially and respect Retry-After.", "Nothing changed in our request volume as far as we can tell.",
         "The {job} runs from two regions, in case that matters.", "The same code ran fine last month."],
        ["Limits are enforced per API key and per endpoint, not per tenant. If the {job} shares a key with another "
         "service, both count toward the {limit}/min budget. Could you tell me how many keys you use?",
         "Looking at your traffic, {endpoint} receives bursts well above the average: the limiter uses a 10-second window. "
         "Spreading the calls or using the bulk endpoint should help.",
         "The {endpoint} limit is {limit} requests per minute. For workloads like your {job}, the batch endpoint accepts 500 records per call."],
        ["I've raised the burst allowance on {endpoint} for your key and confirmed the {job} runs clean in the logs since 14:00 UTC.",
         "We found a misconfigured limiter on the shard hosting your tenant; it counted retries twice. It's fixed and the 429 rate is back under 0.1%.",
         "Your key is now on the high-volume plan for {endpoint} ({limit}/min doubled). Let me know if the {job} still stalls."],
        ["Limiter double-counts retried requests on shard eu-3.", "Customer shares one API key across three services.",
         "Token bucket window misconfigured after the gateway upgrade."],
    ),
    Topic(
        "webhooks",
        {"event": ["invoice.paid", "record.updated", "contact.created", "order.shipped", "form.submitted"],
         "count": _num(20, 900), "hours": _num(2, 30), "code": ["502", "504", "timeout", "connection reset"]},
        ["Problem with {event} webhooks", "Webhook delivery issue", "{event} webhooks misbehaving",
         "Webhooks: need help with {event}", "Issue with webhook deliveries"],
        ["We stopped receiving {event} webhooks around {hours} hours ago; roughly {count} events are missing on our side.",
         "{event} webhooks are arriving {hours} hours late, which breaks our fulfilment flow.",
         "Our endpoint received the same {event} payload several times, about {count} duplicates yesterday.",
         "The dashboard shows our webhook endpoint as disabled after '{code}' errors, but our service was up."],
        ["Our endpoint answers in under 300 ms according to our logs.", "We can replay from our side if you give us the event IDs.",
         "Nothing in our firewall changed.", "The signing secret is the one created in March."],
        ["Webhook endpoints are disabled automatically after 50 consecutive failures. Our delivery log shows '{code}' "
         "from your side between 02:00 and 03:10 UTC. I re-enabled it; can you check whether a deploy happened then?",
         "Deliveries are retried with backoff for 72 hours, so nothing is lost yet. I've queued a replay of the missing {event} events.",
         "Duplicates happen when the endpoint takes more than 10 seconds to acknowledge. Please use the event ID as an idempotency key."],
        ["All {count} missed {event} events were replayed and acknowledged by your endpoint.",
         "The delivery queue for your region was stuck behind a poisoned message; it has been drained and deliveries are current.",
         "Endpoint re-enabled and the auto-disable threshold raised for your account. Deliveries look healthy for the past 6 hours."],
        ["Webhook dispatcher queue blocked by a malformed payload in region us-east.",
         "Customer endpoint timed out during their deploy; auto-disable triggered.",
         "At-least-once delivery plus slow ack produced duplicates; customer lacks idempotency."],
    ),
    Topic(
        "export",
        {"report": ["pipeline report", "monthly usage export", "audit log export", "invoice CSV", "activity report"],
         "rows": _num(20, 900), "fmt": ["CSV", "XLSX", "JSON"], "pct": _num(60, 99)},
        ["{report} export issue", "Problem exporting the {report}", "Export to {fmt} not working",
         "{report} export", "Trouble with {report} exports"],
        ["The {report} export has been sitting at {pct}% for over an hour.",
         "The {fmt} export of the {report} is missing about {rows} thousand rows compared to what the UI shows.",
         "Our scheduled {report} export didn't land in the shared inbox this week.",
         "The {fmt} export button is greyed out for everyone except the account owner."],
        ["We need this for month-end close.", "It worked last week with the same filters.",
         "We tried in Chrome and Edge.", "Filters: last 90 days, all regions."],
        ["Exports over 500k rows are split into parts; the second file may be in the Downloads panel rather than the email.",
         "I can see the job queued behind a large reindex on your workspace. I'll bump its priority.",
         "The export permission is a separate role setting; an admin can grant 'Export data' under Roles."],
        ["The {report} export completed and the {fmt} file is attached to this ticket; row counts match the UI.",
         "The scheduled export failed because the recipient list contained a deactivated address. I removed it and re-sent the {report}.",
         "I granted the export permission to your admin role. The button should be active after a refresh."],
        ["Export worker OOM for workspaces with more than 1M activity rows.", "Scheduled export mailer drops jobs when a recipient bounces."],
    ),
    Topic(
        "billing",
        {"amount": lambda rng: f"{rng.randint(2, 90) * 100:,}", "inv": _hexid("INV-", 6), "seats": _num(5, 80),
         "month": ["September", "October", "August", "July"]},
        ["Question about invoice {inv}", "{month} invoice", "Invoice {inv} needs correction", "Billing question",
         "{month} invoice ({inv})"],
        ["Invoice {inv} shows {seats} more seats than we have active users.",
         "We were charged ${amount} on the {month} invoice, which is more than our contract says.",
         "Could you reissue invoice {inv} with our new PO number? Accounts payable rejected it.",
         "We'd like to move the billing contact to our finance team and get a copy of the {month} invoice."],
        ["Our contract renewal was signed in {month}.", "The true-up clause shouldn't apply until year end.",
         "Please send the corrected invoice to our accounts payable inbox.", "We deactivated those seats before the billing date."],
        ["Seats are counted on the billing date; users deactivated after that still count for the period. "
         "I've asked billing to check whether the deactivations happened before the date.",
         "I've forwarded {inv} to our billing team with the PO number. They usually reissue within two business days."],
        ["Billing issued a credit note of ${amount} against {inv}; the corrected invoice is attached.",
         "Reissued {inv} with the PO number and updated the billing contact as requested.",
         "The seat count has been adjusted to your active users and the difference will appear as a credit next month."],
        ["Seat sync from SCIM lagged behind the billing snapshot.", "Invoice template ignores PO field for annual plans."],
    ),
    Topic(
        "crm_sync",
        {"crm": ["Salesforce", "HubSpot"], "object": ["Opportunity", "Contact", "Lead", "Account", "Deal", "Company"],
         "field": ["Stage", "Owner", "Close Date", "Lifecycle Stage", "Custom_Region__c", "Amount"],
         "count": _num(30, 4000), "hours": _num(3, 48)},
        ["{crm} sync issue", "{crm} integration: {object} records", "Problem with {crm} sync",
         "{crm} sync errors", "{object} sync to {crm}"],
        ["The {crm} integration hasn't pushed any {object} updates for {hours} hours; about {count} records are behind.",
         "Changes to {field} on {object} records aren't reaching {crm} any more.",
         "The {crm} sync created roughly {count} duplicate {object} records overnight.",
         "The sync log shows 'FIELD_CUSTOM_VALIDATION_EXCEPTION' on {field} for most {object} records."],
        ["Our {crm} admin didn't change the mapping.", "The connected user still has API access.",
         "Sales relies on this for the weekly forecast.", "It started after we added a validation rule in {crm}."],
        ["The connected {crm} user's token expired, which pauses the sync. Re-authorising under Integrations > {crm} "
         "resumes it and backfills the queue.",
         "The duplicates come from the matching rule on email: {object}s without email are always inserted. "
         "You can switch matching to external ID in the mapping screen.",
         "The {field} mapping points at a picklist value that no longer exists in {crm}, so every update is rejected."],
        ["The {crm} sync is running again; the backlog of {count} {object} updates cleared in about 40 minutes.",
         "We merged the duplicate {object}s and changed the matching key to external ID. New records sync cleanly.",
         "The {field} mapping is fixed and the failed updates were retried successfully."],
        ["{crm} OAuth refresh failed silently; sync paused without alerting.", "Bulk API job stuck in {crm} queue; needs resubmission."],
        group="Integrations",
    ),
    Topic(
        "permissions",
        {"role": ["Editor", "Viewer", "Team Admin", "Billing Admin", "Analyst"], "count": _num(2, 40),
         "area": ["dashboards", "the reports folder", "workspace settings", "shared views", "the API keys page"]},
        ["Permissions issue on {area}", "{role} role access problem", "Access to {area}", "Role permissions question",
         "{role} permissions on {area}"],
        ["{count} users with the {role} role get 'Access denied' on {area}.",
         "After we edited the {role} role, people lost access to {area}.",
         "Users with the Viewer role can apparently edit {area}, which shouldn't be possible."],
        ["We need this fixed before our audit next week.", "We didn't touch the role since the last release.",
         "Screenshots attached.", "This only affects users in the second workspace."],
        ["Role changes apply at next login, so affected users need to sign out and back in. Could you ask one to try?",
         "The {role} role inherits from the workspace default, which was changed on {weekday}. Here's how to restore it."],
        ["The {role} role permissions are restored and access to {area} works for the users we tested.",
         "We fixed an inheritance bug that let Viewers edit {area}; the fix is live for your workspace."],
        ["Role inheritance cache not invalidated on workspace default change."],
    ),
    Topic(
        "performance",
        {"page": ["the dashboard", "search", "the reports page", "the inbox view", "record detail pages"],
         "secs": _num(8, 60), "region": ["EU", "US", "APAC"]},
        ["Slow performance on {page}", "Timeouts loading {page}", "Performance degraded in {region}",
         "Slow load times ({secs}s)", "App sluggish since the release"],
        ["Loading {page} takes about {secs} seconds for our team in {region}.",
         "Since the last release, {page} times out about half the time.",
         "Everything in {page} is sluggish today; filters take {secs} seconds to apply."],
        ["Our network team sees no issue on our side.", "It's worse in the morning {region} time.",
         "Other SaaS tools are fine from the same office."],
        ["Could you share a HAR file from a slow load of {page}? It tells us whether the time is spent in the API or the browser.",
         "We see elevated query times on the {region} cluster that hosts your workspace and are investigating."],
        ["We added an index that brings {page} back under two seconds for your workspace.",
         "The {region} cluster was rebalanced and load times for {page} are back to normal."],
        ["Missing composite index on activity table for large workspaces.", "Noisy neighbour on the {region} cluster."],
    ),
    Topic(
        "data_sync",
        {"source": ["Snowflake", "BigQuery", "Postgres replica", "S3 bucket", "Redshift"], "table": ["orders", "accounts",
         "events", "subscriptions", "users"], "hours": _num(2, 40), "count": _num(1, 90)},
        ["{source} sync problem", "Data sync from {source}", "{table} table out of date", "{source} connector issue",
         "Stale {table} data in dashboards"],
        ["The {source} connector is {hours} hours behind and the {table} table looks stale in every dashboard.",
         "About {count} thousand rows from {table} never made it from {source}.",
         "The sync job for {table} has been 'running' since yesterday and nothing new arrives."],
        ["The connector credentials haven't changed.", "Row counts in {source} are correct.",
         "Our analysts noticed it in this morning's report."],
        ["The connector failed on a schema change: a new column in {table} has a type we don't map yet. "
         "We can either skip it or map it to text.",
         "The {table} sync is waiting on a lock held by a previous job; I've asked the data team to release it."],
        ["The {table} sync caught up; the missing rows are loaded and the dashboards refresh normally.",
         "We mapped the new column and re-ran the {source} sync for {table}; the lag is back under 15 minutes."],
        ["Connector chokes on new DECIMAL(38,9) column.", "Orphaned lock from a crashed worker on the {table} pipeline."],
    ),
    Topic(
        "notifications",
        {"kind": ["email digests", "Slack alerts", "mobile push notifications", "assignment emails"],
         "count": _num(3, 40)},
        ["Problem with {kind}", "{kind} issue", "Question about {kind}", "Trouble with {kind}"],
        ["Our team stopped getting {kind} on {weekday}.", "{count} people received the {kind} twice this morning.",
         "Since the update we get {kind} for every minor change, which is a lot of noise."],
        ["Notification settings look correct.", "Spam folders checked."],
        ["The Slack app was uninstalled from your workspace on {weekday}; reinstalling it restores {kind}.",
         "Digests are batched hourly; duplicates happened during a retry on our mail provider."],
        ["{kind} are flowing again and we've confirmed delivery for your users.",
         "We adjusted the default so {kind} only fire on status changes."],
        ["Mail provider retried a batch after a timeout."],
    ),
    Topic(
        "how_to",
        {"feature": ["custom fields", "automation rules", "the approval workflow", "saved views", "audit logs",
                     "sandbox workspaces"], "count": _num(2, 25)},
        ["How do I set up {feature}?", "Question about {feature}", "Best practice for {feature}",
         "Can we limit {feature} to one team?", "Help with {feature}"],
        ["We're rolling out {feature} to about {count} people and want to set it up properly.",
         "Is there a way to restrict {feature} to one team only?",
         "Could you point me to documentation on {feature}? We'd like to use it for onboarding."],
        ["We're on the Enterprise plan.", "No rush on this one.", "A short call would also work."],
        ["Yes, {feature} can be scoped per team under Settings > Teams. Here's the guide, and I've attached an example setup.",
         "Good question. You can do that with conditions on {feature}; I'd suggest trying it in a sandbox workspace first."],
        ["Glad that helped. I'll close this, but reply anytime if {feature} gives you trouble.",
         "I've shared a template for {feature} with your admin; it should cover the {count}-person rollout."],
        ["Documentation gap for {feature} scoping."],
    ),
]

TOPIC_BY_NAME: dict[str, Topic] = {t.name: t for t in TOPICS}


def fill_slots(topic: Topic, rng: random.Random) -> dict[str, str]:
    """One consistent set of slot values for a whole ticket conversation."""
    return {k: (v(rng) if callable(v) else rng.choice(v)) for k, v in topic.slots.items()}
