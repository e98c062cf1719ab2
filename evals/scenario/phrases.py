"""Phrase pools: people, companies, tone, agent macros, escalation signals, compliance language, CSM notes."""

from __future__ import annotations

FIRST_NAMES = [
    "Aisha", "Ben", "Carla", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kavya", "Liam", "Mei",
    "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tanya", "Uchenna", "Valeria", "Wei", "Ximena", "Yusuf",
    "Zoe", "Marco", "Hannah", "Tomasz", "Lucia", "Daniel", "Fatima", "Kenji", "Sofia", "Arjun", "Chloe", "Mateo",
    "Ingrid", "Kwame", "Leila", "Noah", "Olga", "Pedro", "Rachel", "Samir", "Thea",
]
LAST_NAMES = [
    "Okafor", "Schmidt", "Nakamura", "Patel", "Rossi", "Haddad", "Lindqvist", "Moreau", "Kowalski", "Garcia", "Chen",
    "O'Brien", "Fischer", "Ivanova", "Mensah", "Dubois", "Santos", "Kim", "Novak", "Andersen", "Reyes", "Walsh",
    "Yilmaz", "Larsen", "Bauer", "Costa", "Tanaka", "Singh", "Murphy", "Hoffmann", "Alvarez", "Berg",
]
COMPANY_HEADS = [
    "Northwind", "Bluepeak", "Harbor", "Kestrel", "Lumen", "Meridian", "Orchard", "Pinecrest", "Quarry", "Redwood",
    "Silverline", "Tidewater", "Vantage", "Willow", "Brightwave", "Cobalt", "Driftwood", "Ember", "Foxglove",
    "Granite", "Helix", "Ironbark", "Juniper", "Keystone", "Lodestar", "Mosaic", "Nimbus", "Oakridge", "Polaris",
    "Riverstone", "Summit", "Trellis", "Upland", "Vela", "Westmark", "Zephyr", "Alder", "Beacon", "Cedar", "Delta",
]
COMPANY_TAILS = [
    "Logistics", "Analytics", "Health", "Capital", "Retail", "Labs", "Freight", "Energy", "Insurance", "Foods",
    "Software", "Media", "Manufacturing", "Robotics", "Travel", "Education", "Biotech", "Payments", "Systems",
    "Hospitality",
]
COMPANY_SUFFIXES = ["", " Inc.", " GmbH", " Ltd", " Group", " Co.", " AB", " SA", " LLC"]

TITLES = [
    "IT Director", "Head of Operations", "Salesforce Administrator", "Data Engineer", "RevOps Lead",
    "Support Operations Specialist", "Finance Controller", "Platform Engineer", "Product Owner",
    "Systems Administrator", "Analytics Lead", "Procurement Specialist", "Customer Operations Lead",
]
SPONSOR_TITLES = ["VP Operations", "VP Revenue Operations", "Chief Technology Officer", "Director of IT",
                  "Head of Customer Operations", "COO"]

SUPPORT_T1 = ["Maya Brooks", "Leo Fernandes", "Sara Lind", "Tom Akers", "Nina Petrova", "Raj Menon"]
SUPPORT_T2 = ["Alex Dorsey", "Camille Roy", "Ethan Wu", "Julia Marsh"]
ENGINEERS = ["Viktor Hale", "Ana Sousa", "Dmitri Orlov", "Grace Liu", "Marcus Reed"]
CSMS = ["Hannah Cole", "Ibrahim Said", "Laura Jensen", "Peter Vance", "Rita Gomez"]
AES = ["Chris Doyle", "Monica Ferraro", "Sam Whitfield", "Yara Nasser"]
ENG_QUEUES = ["PLAT", "INT", "AUTH", "DATA", "API"]

GREETINGS = ["Hi team,", "Hello,", "Hi {agent},", "Good morning,", "Hi all,", "Hey {agent},", "Hi support,", "Hello {agent},"]
SIGNOFFS = ["Thanks,\n{first}", "Best,\n{first}", "Regards,\n{first} {last}", "Thanks in advance,\n{first}",
            "Cheers,\n{first}", "Best regards,\n{first} {last}\n{company}", "Thank you,\n{first}", "--\n{first} {last}"]
AGENT_GREETINGS = ["Hi {first},", "Hello {first},", "Hi {first}, thanks for reaching out.", "Thanks for the details, {first}.",
                   "Hi {first}, thanks for your patience."]
AGENT_SIGNOFFS = ["Best,\n{agent}", "Kind regards,\n{agent} | Customer Support", "Thanks,\n{agent}",
                  "{agent}\nSupport Engineer", "Cheers,\n{agent}"]

# Tone sentences by sentiment label; a `text_source` can replace these with real customer sentences.
TONE = {
    "positive": [
        "Thanks again, you've been really helpful.", "Appreciate the quick turnaround on this.",
        "Great support as always.", "Really happy with how fast you picked this up.",
        "The team is loving the new release, by the way.", "You folks are a pleasure to work with.",
        "That was much faster than I expected, thank you.", "Much appreciated, this makes our week easier.",
    ],
    "neutral": [
        "Let me know if you need anything else from us.", "Happy to jump on a call if that's easier.",
        "Could you take a look when you get a chance?", "I can share more logs if useful.",
        "Not urgent, but we'd like to understand what happened.", "Please advise on next steps.",
        "We'd appreciate an estimate of when this can be looked at.", "Any pointers would help.",
    ],
    "negative": [
        "This is really starting to affect our team.", "Honestly this is getting frustrating.",
        "We're losing a lot of time on this.", "This is not the level of service we expected.",
        "Our users are complaining and I have nothing to tell them.", "I'm disappointed with how this is going.",
        "This keeps happening and it's hurting our operations.", "We can't keep working around this.",
    ],
}

LOUD_POSITIVE = [
    "WOW!!! The new bulk editor is INCREDIBLE, it saved my team HOURS this week!!!",
    "THANK YOU SO MUCH!!! {agent} you are a LIFESAVER!!!",
    "OK this is AMAZING!!! Exactly what we needed, the whole team is THRILLED!!",
    "YES!!! It works!!! Best support team EVER, seriously!!!",
    "Just had to say it: your product ROCKS!!! Our ops team can't stop talking about it!!",
    "HUGE shoutout to {agent}!!! Fixed in 10 minutes, UNBELIEVABLE service!!!",
    "Can't believe how FAST that was!!! Ten out of ten, would recommend to EVERYONE!!!",
]
LOUD_REQUESTS = [
    "QUICK question!!! Can we get {feature} turned on for the WHOLE company?? Everyone wants it NOW!!",
    "PLEASE tell me there's a way to schedule {feature}!!! That would be a GAME CHANGER for us!!!",
    "HELP!!! (the good kind) We want to roll out {feature} to {count} more people TODAY!!",
]

ANGRY_ONEOFF = [
    "This is ridiculous. The {report} export has been broken all morning and I have a board meeting in two hours. Fix it NOW.",
    "Seriously?! Nothing loads and my whole team is sitting idle. This is completely out of order.",
    "Why is this STILL broken?? I can't do my job. I need this working immediately.",
    "Absolutely not OK. Our reports are empty right before quarter close. What is going on over there?",
]
APOLOGY_AFTER = [
    "That did it, thanks. Sorry for the tone earlier, it was a stressful morning.",
    "Working now. Apologies for snapping, we were under a lot of pressure. Appreciate the quick fix!",
    "All good now, thank you. Sorry for the rant, you were great.",
]

# At-risk language. Written for the generator only: none of these families shares a phrase with the
# detector's lists (rules/thresholds.py, rules/definitions/*.yaml); tests/evals/test_scenario_leaks.py
# pins it. With --data-dir, real complaint text (evals/public_data.py) is mixed in as well.
POLITE_NUDGES = [
    "Hello again, wondering where things stand with this.", "Is there news on the item below?",
    "Circling back on the thread below.", "Bumping this up your queue, if I may.",
    "Could I get a status on this one?", "Hoping to hear something on this soon.",
    "Is anyone looking at this? Haven't seen a reply.", "Trying once more to get an answer here.",
]
REPEAT_CONTACT = [
    "Writing in about the very problem I reported on {weekday}.",
    "It's the identical fault from my ticket on {weekday}, back again.",
    "New ticket, since my previous one about this went nowhere.",
    "I raised exactly this a couple of days ago.",
]
REOPEN = [
    "It's back, so please reopen the case.", "The fix didn't hold. Reopening.",
    "It broke once more as of this morning.", "Sadly the fault came back overnight.",
]
DRIFT_MILD = [
    "We're now a few days into this and still blocked.", "I described all this in my first message.",
    "The suggested steps don't touch the problem we described.", "Could someone read the whole thread, please?",
    "I keep explaining the same thing to different people.",
]
WEEKS_OPEN = [
    "This case is well past a month old.", "Nothing has moved on this since last month.",
    "We raised this a long time ago and it is still not fixed.", "A month on, we still have no answer.",
]
ESCALATION_DEMANDS = [
    "I want a supervisor on this today.", "Please put me in touch with whoever runs your support team.",
    "I'd like a call with someone who can make decisions.", "Loop in your head of support, please.",
    "Our leadership is asking whether this vendor is still the right choice.",
    "Procurement has asked us to price out other vendors because of this.",
]
COMPLIANCE = {
    "privacy_request": [
        "We have received a data subject access request under GDPR Article 15 from a former employee. "
        "We need a full export of their personal data held in your platform.",
        "Following a GDPR erasure request (Article 17) we need all records for one data subject deleted, including backups. "
        "Please confirm the process.",
    ],
    "privacy_request_escalation": [
        "The one-month GDPR deadline for this data subject request is in a few days and we still have nothing from you. "
        "Our DPO is now involved and wants a supervisor on this today.",
        "We're about to miss the statutory deadline for a data subject request because of this ticket. "
        "Our counsel has asked me to raise this with your management immediately.",
    ],
    "intrusion": [
        "Our SOC flagged what looks like unauthorized access to our workspace from an IP range we don't recognise. "
        "Is this a security breach on your side? We need answers today.",
        "One of our admins received a login alert from another country and we see API keys being used we never created. "
        "We are treating this as a possible security breach.",
    ],
    "intrusion_escalation": [
        "We need a written incident report and your security team on a call. Our CISO wants a call with your head of "
        "security by end of day; if this was a data breach we have notification obligations.",
    ],
    "legal_threat": [
        "Your outage caused us to miss a contractual delivery to our largest client. Our counsel is reviewing the SLA credits.",
    ],
    "legal_threat_escalation": [
        "Our legal team has advised us that we are preparing legal action over the losses from this incident. "
        "I need your management and your legal department on a call this week.",
        "Unless this is resolved with appropriate credits, we will pursue a lawsuit for breach of the service agreement. "
        "Please put your leadership on this.",
    ],
}

AGENT_ACKS = [
    "Thanks for contacting support. We've received your request and a member of the team will get back to you shortly.",
    "Thanks for reaching out! I'm looking into this now and will update you as soon as I know more.",
    "Thank you for the report. I've reproduced the behaviour and I'm checking with the team.",
    "Thanks for flagging this. Could you confirm when it started and how many users are affected?",
]
AGENT_MACRO_MISS = [
    "Have you tried clearing your browser cache and cookies? That resolves most issues of this kind. Here's our guide.",
    "Please make sure you're on the latest version and try again. Let us know if the problem persists.",
    "This looks like a known issue; please check our status page for updates.",
]
AGENT_HOLDING = [
    "We're still investigating and will update you once we have more information.",
    "The team is still looking into this. Thanks for your patience.",
    "No news yet, but this is on our radar.",
]
AGENT_APOLOGIES = [
    "I'm sorry this has taken so long and that you've had to chase us.",
    "Apologies for the delay and for the back-and-forth; that's not the experience we want you to have.",
    "I'm sorry: you shouldn't have had to explain this more than once.",
]
AGENT_HANDOFF = [
    "I'm {agent} from the tier 2 team and I'll be taking this ticket over from here.",
    "{agent} here: I've picked this up from my colleague and read through the history.",
    "This has been reassigned to me ({agent}). Let me get up to speed and come back to you.",
    "My name is {agent}, I work on our tier 2 team and I now own this ticket.",
]
AGENT_MANAGER_REPLY = [
    "I'm {agent}, support manager. I've read the whole thread and I'm sorry. I'm taking personal ownership "
    "and will call you today with a plan.",
    "{agent} here, I lead the support team. You're right that this took far too long. "
    "Can we schedule a call tomorrow morning with engineering on the line?",
    "This is {agent}, head of support for your region. I've looped in your CSM and our engineering lead, "
    "and I'd like to walk you through a recovery plan on a call today.",
]
INCIDENT_UPDATES = [
    "Update {n}: we've identified elevated error rates on the {region} cluster and engineers are actively working on it. "
    "Next update in 30 minutes.",
    "Update {n}: the root cause is a failed database failover. We're restoring from the replica; read traffic is recovering.",
    "Update {n}: writes are back for most workspaces. Yours is in the last batch; expect full recovery within the hour.",
    "Update {n}: full service is restored and we're monitoring. A written root-cause analysis will follow within 5 business days.",
]
INCIDENT_OPEN = [
    "URGENT: the whole app is down for us. Nobody in {company} can log in or load data. This is a complete outage.",
    "P1: we're getting 500 errors on every page and the API is failing. Production is down for all our users.",
]
INCIDENT_THANKS = [
    "Thanks for the constant updates during the incident, it made it much easier to keep our execs informed.",
    "Appreciate the transparency and the quick recovery. Looking forward to the RCA.",
]
RCA = ["Here is the root-cause analysis for the {region} incident: a failover script promoted a lagging replica. "
       "We've added a lag check before promotion and a game-day exercise each quarter. Please reach out with any questions."]

INTERNAL_NOTES = [
    "Asked {first} for a HAR file; waiting.", "Reproduced on staging with {company}'s config.",
    "Checked logs for tenant {tenant}, nothing obvious in the last 24h.", "Looks related to known issue {jira}.",
    "{company} is {tier}; keep an eye on response times.", "Workaround shared with {first}; monitoring.",
    "Pulled request logs for {tenant}: error rate spiked around {hour}:00 UTC.",
    "Similar report from another tenant last week, see {jira}.", "Not a bug as far as I can tell; config on their side.",
    "Asked in #support-escalations whether anyone has seen this on {tenant}'s cluster.",
]
INTERNAL_TAILS = ["", "", "Will follow up {weekday}.", "Next check at {hour}:30 UTC.", "cc {csm_first}.",
                  "Tagging for the weekly review."]
ENG_NOTES = [
    "Escalated to engineering as {jira}. Owner: {eng}.", "{jira} still in engineering backlog; no ETA yet.",
    "Pinged {eng} again on {jira}, waiting on a fix in the next sprint.", "{jira}: root cause suspected, fix not scheduled.",
    "No movement on {jira} this week. Customer hasn't been updated.",
]

CSAT_POSITIVE = ["Quick and helpful.", "Great support, thank you!", "Solved on the first reply.", "Very clear explanation.",
                 "Friendly and fast.", None, None]
CSAT_NEGATIVE = ["The issue isn't actually fixed.", "Took far too long and I had to repeat myself.",
                 "Closed without solving the problem.", "Nobody read my messages properly.",
                 "Still broken, very disappointed."]

CSM_NOTES = [
    "QBR held with {first} ({title}). Priorities for next quarter: {feature} rollout and reporting cleanup.",
    "Monthly check-in with {first}. Happy with support; asked about the roadmap for {feature}.",
    "Adoption review: {pct}% of licensed seats active. Shared best practices for {feature}.",
    "Renewal prep: confirmed budget owner is {first}. No concerns raised.",
    "Training session delivered for {count} new users on {feature}.",
]
CSM_SEASONAL = [
    "{first} mentioned their annual summer shutdown: most of the team is off for two weeks in August. Expect a usage dip.",
    "Customer's fiscal year-end freeze starts next week; usage always drops and recovers in the new period.",
]
CSM_CHAMPION_LEFT = [
    "Heard from a colleague that {first} ({title}), our sponsor, moved on from {company}. Nobody named in their place.",
    "Sponsor gone: {first} ({title}) now works elsewhere. Need a new sponsor before renewal.",
]
CSM_NO_REPLY = [
    "Third try to book the renewal call; the account stays silent.", "QBR invite turned down, no reason given.",
    "Sent renewal proposal two weeks ago; nothing back. Usage owner unknown.",
    "Nobody from {company} joined the planned check-in.",
]
CSM_USAGE = [
    "Weekly active users down sharply. {first} said they're 'reviewing tooling' for next year.",
    "Usage fell off a cliff this week; login counts around half of last month. Asked {first} for a call.",
]
CHURN_HINTS = [
    "Can you tell us how to download everything we store with you, attachments included, in one go?",
    "How much warning do we have to give if we stop after this term? Please send the contract clause.",
]

CONTRACT_TERMS = [
    "Custom SLA: 99.95% monthly uptime; service credits of 10% of monthly fees per 0.1% shortfall.",
    "Price increase capped at 5% at renewal; auto-renews for 12 months unless notice is given 60 days prior.",
    "P1 response within 30 minutes 24/7; named technical account manager; quarterly business reviews.",
    "Termination for convenience with 90 days' notice after month 12.",
]
LEGAL_NOTES = [
    "DPA signed with Standard Contractual Clauses; EU data residency required.",
    "Outstanding dispute over Q2 overage invoice; AR on hold pending review.",
    "Customer's counsel requested liability cap review at renewal.",
    "Security addendum: breach notification within 48 hours.",
]

CHAT_OPENERS = ["", "", "hey,", "hi there,", "hello!", "quick one:", "hi {agent},", "morning!", "hi, me again,"]
CHAT_CLOSERS = ["", "", "thx", "thanks", "ty!", "thanks in advance", "cheers"]
AGENT_CHAT_OPENERS = ["", "Hi {first}!", "Thanks {first}.", "Got it.", "Thanks for waiting.", "Sure thing."]
AGENT_CHAT_CLOSERS = ["", "Anything else I can help with?", "Let me know if that works.", "Does that help?"]
CUSTOMER_CONFIRMS = ["Confirmed, it works now.", "That fixed it.", "All good on our side now.", "Works for the team again.",
                     "Perfect, that sorted it.", "Yes, that did the trick.", "Just tested it and it's working.",
                     "We're back up and running.", "Looks good from here.", "Fixed on our end too, thanks.", ""]
COMPLIANCE_SUBJECTS = {
    "privacy_request": ["Data subject request for a former employee", "GDPR request: export of personal data",
             "Erasure request under GDPR"],
    "intrusion": ["Possible unauthorized access to our workspace", "Suspicious logins and unknown API keys",
               "URGENT: suspected security breach"],
}
COMPLIANCE_ACKS = {
    "privacy_request": ["Thanks, I've passed your request to our privacy team. They'll be in touch about next steps.",
             "Received. Data subject requests are handled by our privacy team; I've opened an internal request."],
    "intrusion": ["I've engaged our security incident response team and revoked the API keys you listed as a precaution. "
               "We'll share findings as soon as we have them.",
               "Our security team is investigating the sign-ins now. Please don't delete any audit logs on your side."],
    "legal_threat": ["I understand. I've shared your message with our account team and will come back to you on the credits.",
                "Thanks for letting us know. I've asked our billing team to review the SLA credits under your contract."],
}
INCIDENT_ACKS = [
    "We're aware of a major incident affecting workspaces on the {region} cluster and our on-call engineers are on it. "
    "I'll post an update here every 30 minutes; the status page has the same information.",
    "Confirmed: this is a platform-wide incident on {region}, not something on your side. Engineering is engaged "
    "and I'll keep you updated at least every 30 minutes until it's resolved.",
]

# Compliance words in harmless contexts (healthy accounts; nothing to act on).
HARMLESS_COMPLIANCE = [
    "Side note: I linked your docs from our GDPR page for customers.",
    "Unrelated, but there was a data breach in the news at another vendor; no concern on our side, just curious "
    "whether you publish a security whitepaper.",
    "Our legal department asked for the latest version of your DPA for our records, nothing urgent.",
    "We're updating our HIPAA training material and wanted to reference your access controls page.",
    "Our auditors want a copy of your SOC 2 report for the annual review, routine request.",
    "For our annual privacy policy refresh, can you confirm where backups are stored?",
]
HARMLESS_STAKEHOLDER = [
    "{first} ({title}) moved to a new internal role; their deputy takes over day to day, relationship unchanged.",
    "New point of contact named by {company} after a reorg; intro call held, all positive.",
]
