#pragma once
/// \file
/// Quantities as people read them, in summaries, tables and exported graphs: bytes in decimal
/// units, dollars with the digits that matter, seconds up to minutes. Every function is pure and
/// locale-independent, so outputs that use them are golden-testable.

#include <string>

namespace dagplan {

/// "312 B", "1.50 MB", "2.10 GB" (decimal units, B up to PB).
std::string human_bytes(double bytes);

/// "$0", "$12.3500", "$0.000125", "$4.2e-07": four decimals from a cent up, six from $0.0001 up,
/// else three significant digits.
std::string human_dollars(double dollars);

/// "0.000 s", "1.234 s", "15.2 ms", "312 us", "2 min 3.4 s" (from 120 s on).
std::string human_seconds(double seconds);

}  // namespace dagplan
