/* The KVM shim, embedded in the enarx binary (SHIM_PATH comes from the
 * build: $(BUILD)/shim/enarx-shim-kvm). */
        .section .rodata
        .balign 4096
        .globl kvm_shim_image, kvm_shim_image_end
kvm_shim_image:
        .incbin SHIM_PATH
kvm_shim_image_end:
        .section .note.GNU-stack, "", @progbits
