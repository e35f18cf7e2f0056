/* The KVM shim, embedded in the enarx binary (SHIM_PATH comes from the
 * build: $(BUILD)/shim/enarx-shim-kvm). */
        .section .rodata
        .balign 4096
        .globl kvm_shim_image, kvm_shim_image_size
kvm_shim_image:
        .incbin SHIM_PATH
kvm_shim_image_end:
        /* The size as data, so C never subtracts two distinct symbols. */
        .balign 8
kvm_shim_image_size:
        .quad kvm_shim_image_end - kvm_shim_image
        .section .note.GNU-stack, "", @progbits
