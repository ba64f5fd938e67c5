"""Sphinx configuration: MyST notebooks executed by myst-nb (pip install -e '.[docs]')."""

project = "emlp_sym"
extensions = ["myst_nb"]
nb_execution_mode = "cache"
nb_execution_timeout = 1800
exclude_patterns = ["_build"]
html_theme = "alabaster"
