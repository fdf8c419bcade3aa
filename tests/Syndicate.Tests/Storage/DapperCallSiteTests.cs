using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Syndicate.Storage;

namespace Syndicate.Tests.Storage;

/// <summary>
/// Every query goes through code Dapper.AOT generated at build time. A call it could not take over (a tuple result, a
/// private row type, a CommandDefinition) stays on Dapper's run-time code generation, which works under the JIT that runs
/// these tests but throws PlatformNotSupportedException in the native AOT executable that is deployed and benchmarked.
/// The compiled IL says which calls were taken over: those go to Dapper.AOT's generated methods, the rest to Dapper.SqlMapper.
/// </summary>
public sealed class DapperCallSiteTests
{
    [Fact]
    public void EveryDapperCall_IsGeneratedAtBuildTime()
    {
        var calls = CallsInto(typeof(Database).Assembly.Location);
        var generated = calls.Where(call => call.Target.StartsWith("Dapper.AOT.", StringComparison.Ordinal)).ToList();
        // The generated code itself uses a few of Dapper's helpers that make no code (the expansion of IN @list).
        var runtime = calls.Where(call => call.Target.StartsWith("Dapper.SqlMapper.", StringComparison.Ordinal)
            && !call.Caller.StartsWith("Dapper.AOT.", StringComparison.Ordinal)).ToList();

        // The store's queries are there at all (the scan reads what it should): dozens of them.
        Assert.True(generated.Count >= 40, $"only {generated.Count} calls into generated Dapper code found");
        Assert.True(runtime.Count == 0,
            "Calls left on Dapper's run-time code generation (they fail under native AOT; use a public or internal row class, " +
            "not a tuple, and the overloads that take the SQL directly):\n" + string.Join('\n', runtime.Select(call => $"  {call.Caller} -> {call.Target}")));
    }

    private static List<(string Caller, string Target)> CallsInto(string assemblyPath)
    {
        var opcodes = OpCodesByValue();
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var calls = new List<(string, string)>();
        foreach (var handle in metadata.MethodDefinitions)
        {
            var method = metadata.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0)
            {
                continue;
            }

            var caller = TypeName(metadata, method.GetDeclaringType()) + "." + metadata.GetString(method.Name);
            calls.AddRange(Scan(pe, metadata, method, opcodes).Select(target => (caller, target)));
        }

        return calls;
    }

    private static IEnumerable<string> Scan(PEReader pe, MetadataReader metadata, MethodDefinition method, Dictionary<short, OpCode> opcodes)
    {
        var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
        while (il.RemainingBytes > 0)
        {
            int first = il.ReadByte();
            var value = first == 0xFE ? (short)(0xFE00 | il.ReadByte()) : (short)first;
            var opcode = opcodes[value];
            switch (opcode.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineMethod when opcode == OpCodes.Call || opcode == OpCodes.Callvirt:
                    if (Target(metadata, MetadataTokens.EntityHandle(il.ReadInt32())) is { } target)
                    {
                        yield return target;
                    }

                    break;
                default:
                    il.Offset += 4;
                    break;
            }
        }
    }

    /// <summary>The called method as Namespace.Type.Name, for a method of another assembly (or a generic instance of one).</summary>
    private static string? Target(MetadataReader metadata, EntityHandle handle)
    {
        if (handle.Kind == HandleKind.MethodSpecification)
        {
            handle = metadata.GetMethodSpecification((MethodSpecificationHandle)handle).Method;
        }

        string name;
        EntityHandle parent;
        switch (handle.Kind)
        {
            case HandleKind.MemberReference:
                var reference = metadata.GetMemberReference((MemberReferenceHandle)handle);
                name = metadata.GetString(reference.Name);
                parent = reference.Parent;
                break;
            case HandleKind.MethodDefinition:
                var definition = metadata.GetMethodDefinition((MethodDefinitionHandle)handle);
                name = metadata.GetString(definition.Name);
                parent = definition.GetDeclaringType();
                break;
            default:
                return null;
        }

        return TypeName(metadata, parent) is { } type ? $"{type}.{name}" : null;
    }

    private static string? TypeName(MetadataReader metadata, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeReference:
                var reference = metadata.GetTypeReference((TypeReferenceHandle)handle);
                return $"{metadata.GetString(reference.Namespace)}.{metadata.GetString(reference.Name)}";
            case HandleKind.TypeDefinition:
                var definition = metadata.GetTypeDefinition((TypeDefinitionHandle)handle);
                var outer = definition.GetDeclaringType();
                var ns = outer.IsNil ? metadata.GetString(definition.Namespace) : TypeName(metadata, outer);
                return $"{ns}.{metadata.GetString(definition.Name)}";
            case HandleKind.TypeSpecification:
                // A generic instance such as Dapper's Command<T>: its generic type definition names it.
                var blob = metadata.GetBlobReader(metadata.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
                if (blob.ReadSignatureTypeCode() == SignatureTypeCode.GenericTypeInstance)
                {
                    blob.ReadSignatureTypeCode();
                    return TypeName(metadata, blob.ReadTypeHandle());
                }

                return null;
            default:
                return null;
        }
    }

    private static Dictionary<short, OpCode> OpCodesByValue() =>
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => (OpCode)field.GetValue(null)!)
            .ToDictionary(opcode => opcode.Value);
}
