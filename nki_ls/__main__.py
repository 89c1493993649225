from nki_ls.cli import main

raise SystemExit(main())
