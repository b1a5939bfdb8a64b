using Microsoft.ML.ArchitectureSearch.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>
/// What an image classifier needs besides its network: the image shape its feature column must have, the number of
/// classes (the label's key count), when the label had them the key values as text (class names), and whether
/// scoring averages each image with its mirror image (flip test-time augmentation).
/// </summary>
internal sealed class ImageModelData : TaskModelData
{
    public ImageModelData(int channels, int height, int width, int classCount, IReadOnlyList<string>? classNames, bool testTimeFlip)
    {
        if (classNames != null && classNames.Count != classCount)
            throw new InvalidDataException($"The label has {classCount} keys but {classNames.Count} key values.");
        Channels = channels; Height = height; Width = width; ClassCount = classCount; ClassNames = classNames;
        TestTimeFlip = testTimeFlip;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int ClassCount { get; }
    public IReadOnlyList<string>? ClassNames { get; }
    public bool TestTimeFlip { get; }
    public int ImageSize => Channels * Height * Width;

    public override void Write(BinaryWriter writer)
    {
        writer.Write(Channels); writer.Write(Height); writer.Write(Width); writer.Write(ClassCount);
        PayloadStrings.Write(writer, ClassNames);
        writer.Write(TestTimeFlip);
    }

    public static ImageModelData Read(BinaryReader reader)
    {
        int channels = reader.ReadInt32(), height = reader.ReadInt32(), width = reader.ReadInt32(), classes = reader.ReadInt32();
        if (channels < 1 || height < 1 || width < 1 || (long)channels * height * width > int.MaxValue || classes < 2)
            throw ModelPayloadSerializer.Corrupt($"it describes {channels}x{height}x{width} images in {classes} classes");
        return new ImageModelData(channels, height, width, classes, PayloadStrings.Read(reader), testTimeFlip: reader.ReadBoolean());
    }
}
