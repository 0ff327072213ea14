from ami_console.cli import main

raise SystemExit(main())
