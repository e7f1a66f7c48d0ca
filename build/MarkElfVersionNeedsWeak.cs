using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Sets VER_FLG_WEAK on the named entries of an ELF64 little-endian file's .gnu.version_r section.
public class MarkElfVersionNeedsWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionNames { get; set; } = "";

    public override bool Execute()
    {
        var names = VersionNames.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries);
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                int changed = Patch(path, names);
                if (changed > 0)
                    Log.LogMessage(MessageImportance.Normal, $"Marked {changed} version need(s) weak in {path}");
            }
            catch (Exception e)
            {
                Log.LogError($"Could not mark ELF version needs weak in {path}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static int Patch(string path, string[] names)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            return 0; // only ELF64 little-endian builds are shipped for linux-x64

        long shoff = BitConverter.ToInt64(bytes, 0x28);
        int shentsize = BitConverter.ToUInt16(bytes, 0x3A);
        int shnum = BitConverter.ToUInt16(bytes, 0x3C);
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(bytes, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(bytes, (int)sh + 24);
            int link = (int)BitConverter.ToUInt32(bytes, (int)sh + 40);
            int count = (int)BitConverter.ToUInt32(bytes, (int)sh + 44);
            long strtab = BitConverter.ToInt64(bytes, (int)(shoff + (long)link * shentsize) + 24);

            long need = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(bytes, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(bytes, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadString(bytes, strtab + BitConverter.ToUInt32(bytes, (int)aux + 8));
                    ushort flags = BitConverter.ToUInt16(bytes, (int)aux + 4);
                    if (Array.IndexOf(names, name) >= 0 && (flags & VerFlagWeak) == 0)
                    {
                        var patched = BitConverter.GetBytes((ushort)(flags | VerFlagWeak));
                        bytes[aux + 4] = patched[0];
                        bytes[aux + 5] = patched[1];
                        changed++;
                    }
                    aux += BitConverter.ToUInt32(bytes, (int)aux + 12);
                }
                long next = BitConverter.ToUInt32(bytes, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        if (changed > 0)
        {
            // Write a new file rather than through a hard link into the package cache.
            var temp = path + ".weak.tmp";
            File.WriteAllBytes(temp, bytes);
            File.Delete(path);
            File.Move(temp, path);
        }
        return changed;
    }

    private static string ReadString(byte[] bytes, long start)
    {
        int end = (int)start;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, end - (int)start);
    }
}
