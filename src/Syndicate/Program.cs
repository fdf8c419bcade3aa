using Syndicate.Hosting;

return await SyndicateProgram.RunAsync(args);
