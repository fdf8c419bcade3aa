using Syndicate.Benchmarks;

return await BenchProgram.RunAsync(args, Console.Out);
