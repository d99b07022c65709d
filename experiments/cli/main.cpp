#include "experiments/cli/commands.h"

int main(int argc, char** argv) { return poolnet::cli::run(argc, argv); }
