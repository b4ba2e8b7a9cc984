from qualcode.cli.main import main

main()
