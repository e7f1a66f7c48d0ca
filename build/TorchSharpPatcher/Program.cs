using Mono.Cecil;
using Mono.Cecil.Cil;

// Usage: TorchSharpPatcher <folder>...  Each folder holds TorchSharp.dll and Sdpo.NativeRelease.dll (a build or
// publish output). TorchSharp's Scalar and Tensor finalizers freed their native objects at once, which a native call
// could still be reading (src/Sdpo.NativeRelease/DeferredNativeRelease.cs); the patched ones hand the pointer to
// DeferredNativeRelease with a pointer to the same native free function. Running it twice changes nothing.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: TorchSharpPatcher <folder holding TorchSharp.dll and Sdpo.NativeRelease.dll>...");
    return 2;
}
foreach (string folder in args)
{
    string torchSharp = Path.Combine(folder, "TorchSharp.dll");
    string helper = Path.Combine(folder, "Sdpo.NativeRelease.dll");
    if (!File.Exists(torchSharp)) { Console.Error.WriteLine($"TorchSharpPatcher: no TorchSharp.dll in {folder}"); return 1; }
    if (!File.Exists(helper)) { Console.Error.WriteLine($"TorchSharpPatcher: no Sdpo.NativeRelease.dll beside {torchSharp}"); return 1; }
    Console.WriteLine(FinalizerPatch.Apply(torchSharp, helper) ? $"TorchSharpPatcher: patched {torchSharp}" : $"TorchSharpPatcher: {torchSharp} was patched already");
}
return 0;

internal static class FinalizerPatch
{
    private const string HelperNamespace = "Sdpo.NativeRelease";
    private const string HelperTypeName = "DeferredNativeRelease";
    private const string HelperMethod = "Release";

    /// <summary>The TorchSharp types whose Dispose(bool) frees a native object, and the P/Invoke that frees it.</summary>
    private static readonly (string Type, string NativeFree)[] Targets =
    [
        ("TorchSharp.Scalar", "THSTorch_dispose_scalar"),
        ("TorchSharp.torch/Tensor", "THSTensor_dispose"),
    ];

    /// <summary>
    /// In each target's Dispose(bool disposing), replaces <c>NativeFree(handle)</c> with
    /// <c>DeferredNativeRelease.Release(handle, disposing, &amp;NativeFree)</c>: an explicit Dispose frees at once, a
    /// finalizer after the grace period. Returns false when <paramref name="torchSharpPath"/> was patched already.
    /// </summary>
    public static bool Apply(string torchSharpPath, string helperPath)
    {
        using var module = ModuleDefinition.ReadModule(new MemoryStream(File.ReadAllBytes(torchSharpPath)));
        var nativeMethods = module.GetType("TorchSharp.PInvoke.NativeMethods") ?? throw new InvalidOperationException("TorchSharp.PInvoke.NativeMethods not found");
        var disposes = Targets.Select(target =>
        {
            var type = module.GetType(target.Type) ?? throw new InvalidOperationException($"{target.Type} not found");
            var dispose = type.Methods.Single(m => m.Name == "Dispose" && m.Parameters.Count == 1 && m.Parameters[0].ParameterType.FullName == "System.Boolean");
            var nativeFree = nativeMethods.Methods.SingleOrDefault(m => m.Name == target.NativeFree && m.IsPInvokeImpl)
                ?? throw new InvalidOperationException($"TorchSharp.PInvoke.NativeMethods.{target.NativeFree} not found");
            return (Dispose: dispose, NativeFree: nativeFree);
        }).ToList();
        if (disposes.All(d => d.Dispose.Body.Instructions.Any(CallsHelper))) return false;

        using var helperModule = ModuleDefinition.ReadModule(helperPath);
        var helperName = helperModule.Assembly.Name;
        var helperReference = module.AssemblyReferences.SingleOrDefault(r => r.Name == helperName.Name);
        if (helperReference is null)
        {
            helperReference = new AssemblyNameReference(helperName.Name, helperName.Version);
            module.AssemblyReferences.Add(helperReference);
        }
        var release = new MethodReference(HelperMethod, module.TypeSystem.Void, new TypeReference(HelperNamespace, HelperTypeName, module, helperReference)) { HasThis = false };
        release.Parameters.Add(new ParameterDefinition(module.TypeSystem.IntPtr));
        release.Parameters.Add(new ParameterDefinition(module.TypeSystem.Boolean));
        release.Parameters.Add(new ParameterDefinition(module.TypeSystem.IntPtr));

        foreach (var (dispose, nativeFree) in disposes)
        {
            if (dispose.Body.Instructions.Any(CallsHelper)) continue;
            var calls = dispose.Body.Instructions.Where(i => i.OpCode == OpCodes.Call && i.Operand is MethodReference m && m.Name == nativeFree.Name).ToList();
            if (calls.Count != 1)
                throw new InvalidOperationException($"{dispose.FullName} calls {nativeFree.Name} {calls.Count} times; this TorchSharp is not the one the patch was written for");
            // The handle is on the stack; push disposing and the free function, and call the helper instead.
            var il = dispose.Body.GetILProcessor();
            var call = calls[0];
            il.InsertBefore(call, il.Create(OpCodes.Ldarg_1));
            il.InsertBefore(call, il.Create(OpCodes.Ldftn, nativeFree));
            call.Operand = release;
        }

        var patched = new MemoryStream();
        module.Write(patched);
        string temporary = torchSharpPath + ".patching";
        File.WriteAllBytes(temporary, patched.ToArray());
        // Replace, never rewrite in place: the output copy may be a hard link into the NuGet cache.
        File.Move(temporary, torchSharpPath, overwrite: true);
        return true;
    }

    private static bool CallsHelper(Instruction instruction) =>
        instruction.Operand is MethodReference { Name: HelperMethod } m && m.DeclaringType.Name == HelperTypeName && m.DeclaringType.Namespace == HelperNamespace;
}
