// CoreCLR skips the visibility checks for members of the assemblies named here (see MLNetInternalsAccess.cs for why).
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.OnnxConverter")]

namespace System.Runtime.CompilerServices;

/// <summary>
/// Recognised by name by the CoreCLR runtime (the BCL does not ship the type): code in this assembly may use the
/// non-public members of the named assembly.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute : Attribute
{
    public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;

    public string AssemblyName { get; }
}
