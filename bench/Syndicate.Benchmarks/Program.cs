Console.WriteLine("Syndicate benchmarks: see bench/README.md.");
return 0;
