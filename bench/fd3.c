/* fd3 FILE PROGRAM [ARGS...]: opens FILE on descriptor 3 and executes PROGRAM
 * (a path). For timing `enarx-exec` alone without a shell in the way: no libc,
 * so that it adds only an execve to what is measured. x86-64 Linux. */
static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

__attribute__((used)) static void start(long *sp)
{
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    if (argc < 3)
        sys3(60, 2, 0, 0);
    long fd = sys3(2, (long)argv[1], 0, 0); /* open(FILE, O_RDONLY) */
    if (fd < 0 || (fd != 3 && sys3(33, fd, 3, 0) < 0)) /* dup2(fd, 3) */
        sys3(60, 2, 0, 0);
    if (fd != 3)
        sys3(3, fd, 0, 0); /* close */
    sys3(59, (long)argv[2], (long)(argv + 2), (long)envp); /* execve */
    sys3(60, 127, 0, 0);
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start\n");
