#pragma once
/// \file
/// The worker process of the real backend (`dagworker`): it connects to the run's Redis,
/// serves invocations that dagrun's invoker hands it until told to exit: it reads the run's
/// documents from Redis at the first invocation that does not carry the worker's part of the DAG
/// (rule 12) and keeps them. It talks to nothing but Redis. What it decides - which
/// outputs to upload, which ready child continues on it, the order of its tasks - comes from the
/// plan and from `dagplan/run_rules.hpp`, the functions the predictor and the simulator use.

namespace dagplan::exec {

/// `dagworker --redis HOST:PORT --run ID --process P [--password-file F]`. Returns the exit
/// status (0 when told to exit or when the run was given up, 1 on an error, printed on stderr
/// and reported to dagrun when Redis still answers).
int worker_main(int argc, char** argv);

}  // namespace dagplan::exec
