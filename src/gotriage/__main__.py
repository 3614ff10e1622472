from gotriage.cli import main

raise SystemExit(main())
