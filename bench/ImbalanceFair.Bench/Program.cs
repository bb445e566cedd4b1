using ImbalanceFair.Bench;

// imbfair-bench: benchmark programs, one subcommand each (scripts/bench is the usual way in).
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: imbfair-bench bridge|data|smote|pgd|train|startup|memory|gemm|vit-b32|diffusion [options]   (imbfair-bench BENCHMARK --help for the options)");
    return args.Length == 0 ? 2 : 0;
}

try
{
    return args[0] switch
    {
        "bridge" => BridgeBenchmark.Run(args[1..]),
        "data" => DataBenchmark.Run(args[1..]),
        "smote" => SmoteBenchmark.Run(args[1..]),
        "pgd" => PgdBenchmark.Run(args[1..]),
        "train" => TrainBenchmark.Run(args[1..]),
        "startup" => StartupBenchmark.Run(args[1..]),
        "memory" => MemoryBenchmark.Run(args[1..]),
        "gemm" => GemmBenchmark.Run(args[1..]),
        "vit-b32" => VitB32Benchmark.Run(args[1..]),
        "diffusion" => DiffusionBenchmark.Run(args[1..]),
        _ => Usage($"unknown benchmark '{args[0]}' (known: bridge, data, smote, pgd, train, startup, memory, gemm, vit-b32, diffusion)"),
    };
}
catch (ArgumentException e)
{
    return Usage(e.Message);
}

static int Usage(string message)
{
    Console.Error.WriteLine($"imbfair-bench: {message}");
    return 2;
}
