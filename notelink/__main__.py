from notelink.cli import main

main(prog_name="notelink")
