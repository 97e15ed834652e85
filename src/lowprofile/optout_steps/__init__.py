"""Opt-outs that do themselves: a broker file's ``[[optout.steps]]`` played in the browser.

``values`` says what personal data a broker's steps send (and nothing else is sent);
``runner`` plays the steps on one page for one listing, stopping before the submit on a dry run,
pausing for the person at a captcha, and keeping a screenshot after each submit. ``links`` says
which domains speak for a broker and which confirmation links may be opened; ``mailbox`` finds
the broker's confirmation email in the person's IMAP mailbox.
"""
