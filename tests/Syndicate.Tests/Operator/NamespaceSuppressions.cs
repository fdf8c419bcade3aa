using System.Diagnostics.CodeAnalysis;

// The folder and namespace name the operator verbs; test namespaces are not consumed from Visual Basic.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Syndicate.Tests.Operator",
    Justification = "Test namespace named after its folder; never referenced from another language.")]
