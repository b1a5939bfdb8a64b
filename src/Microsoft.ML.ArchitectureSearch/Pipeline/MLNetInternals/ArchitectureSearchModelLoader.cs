using Microsoft.ML;
using Microsoft.ML.ArchitectureSearch;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.Runtime;

// ML.NET finds this loader by the signature written in the model header; the header also names this assembly, so
// ML.NET loads and registers it on Model.Load without any call by the user.
[assembly: LoadableClass(typeof(ArchitectureSearchTransformer), typeof(ArchitectureSearchModelLoader), null,
    typeof(SignatureLoadModel), "Architecture Search Transformer", ArchitectureSearchModelLoader.LoaderSignature)]

namespace Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

/// <summary>Reads an <see cref="ArchitectureSearchTransformer"/> back from a model zip.</summary>
internal static class ArchitectureSearchModelLoader
{
    // At most 24 ASCII characters: the model header stores loader signatures in three 8-byte fields.
    internal const string LoaderSignature = "ArchSearchTransformer";

    internal static VersionInfo GetVersionInfo() => new(
        modelSignature: "ARCHSRCH",
        verWrittenCur: 0x00010001, // 1: payload header in the model stream, TorchSharp weights in their own entry
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(ArchitectureSearchModelLoader).Assembly.FullName);

    // Found by ML.NET's ComponentCatalog by name and parameter types.
    private static ArchitectureSearchTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        if (env == null)
            throw new ArgumentNullException(nameof(env));
        MLNetInternalsAccess.CheckPinnedVersionOnce();
        ctx.CheckAtModel(GetVersionInfo());

        int headerLength = ctx.Reader.ReadInt32();
        if (headerLength <= 0 || headerLength > 256 << 20)
            throw new InvalidDataException($"The ArchitectureSearch model in the model zip is corrupt: its payload header claims {headerLength} bytes.");
        byte[] header = ctx.Reader.ReadBytes(headerLength);
        if (header.Length != headerLength)
            throw new InvalidDataException("The ArchitectureSearch model in the model zip is truncated: its payload header ends early.");

        byte[]? weights = null;
        bool found = ctx.TryLoadBinaryStream(MLNetInternalsAccess.WeightsStreamName, reader =>
        {
            long length = reader.ReadInt64();
            if (length < 0 || length > int.MaxValue)
                throw new InvalidDataException($"The ArchitectureSearch model in the model zip is corrupt: entry '{MLNetInternalsAccess.WeightsStreamName}' claims {length} bytes.");
            weights = reader.ReadBytes((int)length);
            if (weights.Length != length)
                throw new InvalidDataException($"The ArchitectureSearch model in the model zip is truncated: entry '{MLNetInternalsAccess.WeightsStreamName}' holds {weights.Length} of {length} bytes.");
        });
        if (!found || weights == null)
            throw new InvalidDataException($"The ArchitectureSearch model in the model zip has no '{MLNetInternalsAccess.WeightsStreamName}' entry (network weights).");

        return ArchitectureSearchTransformer.FromSavedPayload(env, header, weights);
    }
}
