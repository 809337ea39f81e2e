from lambda_dap.cli.main import main

main()
