;;; run.el --- Drive lambda-dap.el in batch Emacs for the tests -*- lexical-binding: t; -*-

;;; Commentary:

;; emacs --batch -l run.el SCENARIO.json OUT.json   (tests/editors/test_emacs.py)
;;
;; Loads lambda-dap.el, then dape (a stand-in when the real one is absent:
;; dape is on GNU ELPA only and needs Emacs 29.1) and eglot (the real one:
;; Debian's elpa-eglot).  It evaluates each lambda-dap dape configuration the
;; way dape does before a launch (symbols naming functions are called, other
;; symbols read, then `fn'), turns it into the launch request's arguments with
;; dape's rules (keyword keys only, nil is false, vectors are arrays, lists are
;; objects) and `json-serialize', and asks the real eglot which server it would
;; start for each file the scenario opens.  Prompts are answered from the
;; scenario, by prompt text.

;;; Code:

(require 'cl-lib)
(require 'json)

(defvar run-scenario
  (with-temp-buffer
    (insert-file-contents (nth 0 command-line-args-left))
    (json-parse-buffer :object-type 'alist :array-type 'list
                       :null-object nil :false-object nil)))
(defvar run-out (nth 1 command-line-args-left))
(setq command-line-args-left nil)

(defvar run-prompts nil "Prompts shown, in order.")
(defvar run-requests nil "Requests sent through `dape-request'.")

(defun run-get (key) (alist-get key run-scenario))

(defun run-answer (prompt default)
  "The scenario's answer to PROMPT, else DEFAULT; PROMPT is recorded."
  (push prompt run-prompts)
  (let ((answer (alist-get (intern prompt) (run-get 'answers))))
    (or answer default)))

(add-to-list 'load-path (run-get 'lisp))
(require 'lambda-dap)
(lambda-dap-setup)  ; before dape and eglot load: the entries wait for them

;; What an interactive Emacs does at startup: the installed packages' autoloads
;; (Debian's elpa-* packages: eglot, yaml-mode).
(when (fboundp 'package-activate-all) (package-activate-all))

(defvar run-real-dape (require 'dape nil t))
(unless run-real-dape
  ;; A stand-in with the parts of dape lambda-dap.el and this file use, loaded
  ;; from a file so that `with-eval-after-load' runs as it does for dape.
  (let ((dir (make-temp-file "lambda-dap-stub" t)))
    (with-temp-file (expand-file-name "dape.el" dir)
      (prin1 '(progn
                (defvar dape-configs '((launch modes nil :request "launch")))
                (defun dape-ensure-command (_config) t)
                (defun dape--live-connection (_type &rest _) 'run-connection)
                (defun dape-request (conn command arguments &optional cb)
                  ;; jsonrpc's encoding: nil is null, :json-false is false.
                  (push (list conn command
                              (json-serialize arguments :false-object :json-false
                                              :null-object nil))
                        run-requests)
                  (when cb (funcall cb nil nil)))
                (provide 'dape))
             (current-buffer)))
    (add-to-list 'load-path dir)
    (require 'dape)))
(require 'eglot)

(defun run-eval-value (value)
  "VALUE evaluated the way dape evaluates a configuration's values."
  (cond
   ((functionp value) (funcall-interactively value))
   ((and (symbolp value) (not (keywordp value)) value (not (eq value t))
         (boundp value))
    (run-eval-value (symbol-value value)))
   ((and (consp value) (keywordp (car value)))
    (run-eval-plist value))
   ((vectorp value) (cl-map 'vector #'run-eval-value value))
   (t value)))

(defun run-eval-plist (plist)
  "PLIST with each value evaluated, except modes, fn and ensure."
  (cl-loop for (key value) on plist by #'cddr
           append (list key (if (memq key '(modes fn ensure))
                                value
                              (run-eval-value value)))))

(defun run-launch-arguments (plist)
  "The launch request's arguments for the evaluated PLIST, dape's rules."
  (cl-labels ((transform (value)
                (cond ((null value) :json-false)
                      ((vectorp value) (cl-map 'vector #'transform value))
                      ((consp value) (body value))
                      (t value)))
              (body (config)
                (cl-loop for (key value) on config by #'cddr
                         when (keywordp key)
                         append (list key (transform value)))))
    (body plist)))

(defun run-configuration (name)
  "Evaluate the `dape-configs' entry NAME; its parts, as JSON-ready alists."
  (let* ((base (copy-tree (alist-get name dape-configs)))
         (config (run-eval-plist base))
         (fn (plist-get config 'fn)))
    (when fn (setq config (funcall fn config)))
    `((name . ,(symbol-name name))
      (command . ,(plist-get config 'command))
      (command-args . ,(vconcat (plist-get config 'command-args)))
      (command-cwd . ,(plist-get config 'command-cwd))
      (port . ,(or (plist-get config 'port) :null))
      (modes . ,(vconcat (mapcar #'symbol-name (plist-get config 'modes))))
      (arguments . ,(json-parse-string
                     (json-serialize (run-launch-arguments config)
                                     :false-object :json-false)
                     :object-type 'alist)))))

(defun run-contact (file)
  "What the real eglot would start for FILE."
  (with-current-buffer (find-file-noselect file)
    (condition-case err
        (let ((guess (eglot--guess-contact)))
          `((file . ,file) (mode . ,(symbol-name major-mode))
            (contact . ,(let ((contact (nth 3 guess)))
                          (if (listp contact) (vconcat contact) contact)))))
      (error `((file . ,file) (mode . ,(symbol-name major-mode))
               (error . ,(error-message-string err)))))))

(defvar run-report
  (cl-letf (((symbol-function 'completing-read)
             (lambda (prompt choices &rest _)
               (run-answer prompt (car choices))))
            ((symbol-function 'read-string)
             (lambda (prompt &optional _initial _history default &rest _)
               (run-answer prompt (or default ""))))
            ((symbol-function 'read-file-name)
             (lambda (prompt &optional dir default &rest _)
               (expand-file-name (run-answer prompt (or default "")) dir))))
    (let ((default-directory (file-name-as-directory (run-get 'cwd))))
      (when (run-get 'buffer)
        (set-buffer (find-file-noselect (run-get 'buffer))))
      `((emacs . ,emacs-version)
        (real-dape . ,(if run-real-dape t :json-false))
        (eglot . ,(locate-library "eglot"))
        (names . ,(vconcat (mapcar (lambda (entry) (symbol-name (car entry)))
                                   dape-configs)))
        (configurations
         . ,(vconcat (mapcar #'run-configuration
                             (mapcar #'intern (run-get 'configurations)))))
        (invoke . ,(vconcat
                    (mapcar (lambda (event)
                              (lambda-dap-invoke-again event)
                              (nth 2 (car run-requests)))
                            (run-get 'invoke))))
        (contacts . ,(vconcat (mapcar #'run-contact (run-get 'open))))
        (eglot-first . ,(if (lambda-dap--eglot-entry-p
                              (car eglot-server-programs))
                             t :json-false))
        (prompts . ,(vconcat (reverse run-prompts)))))))

(with-temp-file run-out
  (insert (json-serialize run-report :false-object :json-false)))

;;; run.el ends here
