from infra.app import main

main()
