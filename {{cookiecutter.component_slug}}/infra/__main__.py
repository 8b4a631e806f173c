import sys

from infra.app import main

sys.exit(main())
