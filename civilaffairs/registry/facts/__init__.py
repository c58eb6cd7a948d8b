"""Department facts: what each record kind means (``schema``), the windows they are read through
(``windows``) and the one reader every rule, report and score uses (``reader``)."""
