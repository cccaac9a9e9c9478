// tiermem-fuzz: every reader of files and settings over random and mutated inputs.
// Usage: tiermem-fuzz [--iterations N] [--seed S] [--target tmt|tmt-payload|csv|lackey|tier-spec|byte-count|cost-model|model-file|profile]
// Exits non-zero, printing the offending input in hex, on the first violation.
import Foundation
import TierMemFuzzing

var iterations = 1_000_000
var seed: UInt64 = 1
var only: ReaderFuzzer.Target?
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else {
        FileHandle.standardError.write("tiermem-fuzz: \(flag) needs a value\n".data(using: .utf8)!)
        exit(2)
    }
    switch flag {
    case "--iterations" where Int(value) != nil && Int(value)! > 0: iterations = Int(value)!
    case "--seed" where UInt64(value) != nil: seed = UInt64(value)!
    case "--target" where ReaderFuzzer.Target(rawValue: value) != nil: only = ReaderFuzzer.Target(rawValue: value)
    default:
        FileHandle.standardError.write("tiermem-fuzz: bad argument \(flag) \(value)\n".data(using: .utf8)!)
        exit(2)
    }
}

var fuzzer = try ReaderFuzzer(seed: seed)
var total = 0
for target in only.map({ [$0] }) ?? ReaderFuzzer.Target.allCases {
    let start = Date()
    do {
        let outcome = try fuzzer.run(target, count: iterations)
        total += outcome.inputs
        print("\(outcome) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    } catch let violation as ReaderFuzzer.Violation {
        print("VIOLATION \(violation)")
        print("input (hex): " + violation.input.map { String(format: "%02x", $0) }.joined())
        exit(1)
    }
}
print("fuzz: \(total) inputs, no crash, no violation (seed \(seed))")
