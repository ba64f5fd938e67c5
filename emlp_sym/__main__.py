from emlp_sym.cli.main import main

raise SystemExit(main())
