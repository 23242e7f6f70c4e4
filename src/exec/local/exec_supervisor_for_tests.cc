// The supervisor binary the local executor's tests launch (the real one is `inet __supervise`).
#include "exec/local/supervisor.h"

int main(int argc, char** argv) { return inet::exec::local::SupervisorMain(argc, argv); }
