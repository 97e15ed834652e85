"""The person's own mail account, the one door for mail in and out.

``imap`` reads the mailbox (a broker's confirmation link, answers to deletion requests) and
``smtp`` sends through the person's server (notifications, deletion requests). Each is the only
module that speaks its protocol, so the rules that protect the password and the mailbox (TLS
verified, ``ca_bundle`` honoured, clear text only on this machine, bounded sessions, one-line
errors) are written once. Both sit below ``registry/``, ``optout_steps/`` and ``schedule/``,
which read and send through them, and above ``net``, whose certificate authorities they use.
"""
