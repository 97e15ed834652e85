"""The settings checkup: which privacy settings to review on each platform, with the exact pages
to do it, and when each was last done by the person (``lowprofile settings``).

``entries`` reads the data (``platforms.toml``), ``records`` keeps what the person did, and
``due`` says what is due again and makes the plan's task of it. The package's ``__init__``
imports nothing, so the plan can load ``entries`` and ``due`` without the records' folders.
"""

__all__: list[str] = []
