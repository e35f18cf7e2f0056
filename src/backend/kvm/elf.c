/* KVM backend: reading the shim's and the exec's ELF headers. The exec is
 * whatever file the user names (`enarx unstable exec FILE`), so every field
 * is checked before use and every problem gets a message naming it. */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "backend/kvm/internal.h"

#define FAIL(...)                                   \
    do {                                            \
        snprintf(err, errlen, __VA_ARGS__);         \
        return -1;                                  \
    } while (0)

int elf_parse(const uint8_t *buf, size_t len, const char *what, struct elf_info *out, char *err,
              size_t errlen)
{
    memset(out, 0, sizeof *out);
    Elf64_Ehdr eh;
    if (len < sizeof eh)
        FAIL("the %s is not an ELF file: only %zu bytes", what, len);
    memcpy(&eh, buf, sizeof eh);
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        FAIL("the %s is not an ELF file (bad magic)", what);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_machine != EM_X86_64)
        FAIL("the %s is not a 64-bit little-endian x86-64 ELF file", what);
    if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
        FAIL("the %s has an unknown ELF version", what);
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        FAIL("the %s is not an executable (ELF type %u)", what, eh.e_type);
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        FAIL("the %s has program headers of %u bytes (expected %zu)", what, eh.e_phentsize,
             sizeof(Elf64_Phdr));
    if (eh.e_phnum == 0 || eh.e_phnum > 64)
        FAIL("the %s has %u program headers", what, eh.e_phnum);
    if (eh.e_phoff > len || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
        FAIL("the %s's program headers lie outside the file", what);
    out->type = eh.e_type;
    out->entry = eh.e_entry;
    out->phoff = eh.e_phoff;
    out->phnum = eh.e_phnum;

    int entry_ok = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, buf + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_INTERP)
            FAIL("the %s is dynamically linked (it has an interpreter); a Keep runs static "
                 "executables only",
                 what);
        if (ph.p_type == PT_PHDR)
            out->phdr_vaddr = ph.p_vaddr;
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (out->nsegs == ELF_MAX_SEGS)
            FAIL("the %s has more than %d loadable segments", what, ELF_MAX_SEGS);
        if (ph.p_filesz > ph.p_memsz)
            FAIL("the %s's segment %u has more file bytes than memory bytes", what, i);
        if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
            FAIL("the %s's segment %u lies outside the file (offset %#llx, %llu bytes)", what, i,
                 (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz);
        if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
            FAIL("the %s's segment %u wraps around the address space", what, i);
        if (ph.p_align > 1 && (ph.p_vaddr - ph.p_offset) % KVM_PAGE != 0)
            FAIL("the %s's segment %u is not page-aligned with its file offset", what, i);
        struct elf_seg *s = &out->segs[out->nsegs++];
        s->vaddr = ph.p_vaddr;
        s->paddr = ph.p_paddr;
        s->offset = ph.p_offset;
        s->filesz = ph.p_filesz;
        s->memsz = ph.p_memsz;
        s->flags = ph.p_flags & 7;
        if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr && eh.e_entry < ph.p_vaddr + ph.p_memsz)
            entry_ok = 1;
        if (out->phdr_vaddr == 0 && ph.p_offset <= eh.e_phoff &&
            eh.e_phoff + eh.e_phnum * sizeof ph <= ph.p_offset + ph.p_filesz)
            out->phdr_vaddr = ph.p_vaddr + (eh.e_phoff - ph.p_offset);
    }
    if (out->nsegs == 0)
        FAIL("the %s has no loadable segments", what);
    if (!entry_ok)
        FAIL("the %s's entry point %#llx is not in an executable segment", what,
             (unsigned long long)eh.e_entry);
    /* Segments must not overlap (they may share a page). */
    for (int i = 0; i < out->nsegs; i++)
        for (int j = i + 1; j < out->nsegs; j++) {
            const struct elf_seg *a = &out->segs[i], *b = &out->segs[j];
            if (a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz)
                FAIL("the %s's segments %d and %d overlap", what, i, j);
        }
    return 0;
}
