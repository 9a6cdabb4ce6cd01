// dagworker: one worker process of the real backend; dagrun starts it (see
// executor/include/dagplan/exec/worker.hpp). It needs nothing but the Redis address and its
// arguments, so that a launch template can start it on another machine.

#include "dagplan/exec/worker.hpp"

int main(int argc, char** argv) {
  return dagplan::exec::worker_main(argc, argv);
}
