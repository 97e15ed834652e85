"""``lowprofile review``: one sitting in a visible browser for what no robot can read or send.

``queue.py`` builds the queue (the latest scan's manual, blocked and changed sites, the
opt-outs that wait for the person), ``progress.py`` keeps where the sitting stands (resumable),
``session.py`` plays it site by site. The CLI (``cli/review.py``) and the scheduled run's
notification (``schedule/runner.py``: how many sites need you) use it.
"""

__all__: list[str] = []
