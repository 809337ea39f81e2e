;;; lambda-dap.el --- Local AWS Lambda debugging -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: tools, languages, processes
;; URL: https://github.com/lambda-dap/lambda-dap

;;; Commentary:

;; lambda-dap runs and debugs AWS Lambda functions locally.  This file sets
;; up two Emacs clients for it:
;;
;; - dape (GNU ELPA, Emacs 29.1 or newer): entries in `dape-configs' that
;;   start `lambda-dap --stdio'.  M-x dape RET lambda RET debugs a function
;;   of the project's template (it asks which one when there are several);
;;   `lambda-keep-alive' keeps the container for `lambda-dap-invoke-again';
;;   `lambda-event' asks for an event file; `lambda-handler' runs a handler
;;   without a template.
;; - eglot: `lambda-dap lsp' for templates, handler files and launch.json
;;   inside a SAM project (a directory with template.yaml, template.yml,
;;   template.json or samconfig.toml); other buffers keep their own server.
;;
;;   (add-to-list 'load-path "/path/to/lambda-dap/editors/emacs")
;;   (require 'lambda-dap)
;;   (lambda-dap-setup)
;;
;; Nothing is loaded eagerly: the entries are added when dape and eglot load.

;;; Code:

(require 'cl-lib)
(require 'subr-x)

(defvar dape-configs)
(defvar eglot-server-programs)
(declare-function dape-request "dape" (conn command arguments &optional cb))
(declare-function dape--live-connection "dape"
                  (type &optional nowarn require-selected))

(defgroup lambda-dap nil
  "Debug AWS Lambda functions locally with lambda-dap."
  :group 'tools
  :prefix "lambda-dap-")

(defcustom lambda-dap-command "lambda-dap"
  "The lambda-dap executable.
The debug adapter is \"COMMAND --stdio\", the language server \"COMMAND lsp\"."
  :type 'string)

(defcustom lambda-dap-dape-modes
  '(python-mode python-ts-mode js-mode js-ts-mode typescript-mode
    typescript-ts-mode yaml-mode yaml-ts-mode)
  "Major modes in which dape offers the lambda-dap configurations first."
  :type '(repeat symbol))

(defcustom lambda-dap-eglot-modes
  '(yaml-mode yaml-ts-mode json-mode json-ts-mode js-json-mode python-mode
    python-ts-mode js-mode js-ts-mode typescript-mode typescript-ts-mode)
  "Major modes whose buffers get lambda-dap's language server in a SAM project."
  :type '(repeat symbol))

(defcustom lambda-dap-runtimes
  '((python-mode . "python3.12") (python-ts-mode . "python3.12")
    (js-mode . "nodejs20.x") (js-ts-mode . "nodejs20.x")
    (typescript-mode . "nodejs20.x") (typescript-ts-mode . "nodejs20.x"))
  "Runtime offered for a handler without a template, per major mode."
  :type '(alist :key-type symbol :value-type string))

(defconst lambda-dap-template-names
  '("template.yaml" "template.yml" "template.json")
  "Template file names lambda-dap looks for, in its order.")

(defconst lambda-dap--root-markers
  (append lambda-dap-template-names '("samconfig.toml"))
  "Files whose directory is a SAM project's root.")

(defconst lambda-dap--resources-line
  "\\`Resources[[:space:]]*:[[:space:]]*\\(#.*\\)?\\'"
  "A YAML template's top-level Resources line.")

(defconst lambda-dap--key-line "\\`[[:space:]]*\\([[:alnum:]]+\\)[[:space:]]*:"
  "A YAML line with a key (a logical ID one level under Resources).")

(defconst lambda-dap--type-line
  "\\`[[:space:]]*Type[[:space:]]*:[[:space:]]*[\"']?\\([[:alnum:]:]+\\)"
  "A YAML line with a resource's Type.")

(defconst lambda-dap--function-types
  '("AWS::Serverless::Function" "AWS::Lambda::Function")
  "Resource types that are functions.")

;;; The project and its template

(defun lambda-dap-project-root (&optional directory)
  "The SAM project's root: the nearest directory at or above DIRECTORY.
That is the first directory holding a template or samconfig.toml, starting
from DIRECTORY (default: `default-directory'); nil outside a SAM project."
  (let ((start (or directory default-directory)))
    (cl-loop for marker in lambda-dap--root-markers
             for root = (locate-dominating-file start marker)
             when root
             return (file-name-as-directory (expand-file-name root)))))

(defun lambda-dap-cwd ()
  "A debug session's workspace folder.
The SAM project's root, else `default-directory'."
  (or (lambda-dap-project-root) (expand-file-name default-directory)))

(defun lambda-dap-template-functions (template)
  "The logical IDs of the functions TEMPLATE (a file name) declares.
JSON templates are parsed; YAML ones are scanned line by line (their short
tags such as !Ref need a CloudFormation-aware parser): the keys one level
under the top-level Resources whose Type is a function type, in file order."
  (when (file-readable-p template)
    (with-temp-buffer
      (insert-file-contents template)
      (if (string-suffix-p ".json" template)
          (lambda-dap--json-functions)
        (lambda-dap--yaml-functions)))))

(defun lambda-dap--json-functions ()
  "The function logical IDs of the JSON template in the current buffer."
  (let* ((document (condition-case nil
                       (json-parse-buffer :object-type 'alist)
                     (error nil)))
         (resources (and (listp document) (alist-get 'Resources document))))
    (sort (cl-loop for (name . resource) in (and (listp resources) resources)
                   when (and (listp resource)
                             (member (alist-get 'Type resource)
                                     lambda-dap--function-types))
                   collect (symbol-name name))
          #'string<)))

(defun lambda-dap--yaml-functions ()
  "The function logical IDs of the YAML template in the current buffer."
  (let (names in-resources indent current)
    (goto-char (point-min))
    (while (not (eobp))
      (let ((line (buffer-substring-no-properties (line-beginning-position)
                                                  (line-end-position))))
        (when (and (string-match-p "[^[:space:]]" line)
                   (not (string-match-p "\\`[[:space:]]*#" line)))
          (let ((lead (progn (string-match "\\`[[:space:]]*" line)
                             (match-end 0))))
            (cond
             ((= lead 0)
              (setq in-resources
                    (string-match-p lambda-dap--resources-line line)
                    current nil))
             (in-resources
              (setq indent (or indent lead))
              (cond
               ((= lead indent)
                (setq current (and (string-match lambda-dap--key-line line)
                                   (match-string 1 line))))
               ((and current
                     (string-match lambda-dap--type-line line)
                     (member (match-string 1 line) lambda-dap--function-types))
                (push current names)
                (setq current nil))))))))
      (forward-line 1))
    (nreverse names)))

(defun lambda-dap--choose (prompt choices)
  "The only one of CHOICES, or the one the user picks with PROMPT."
  (if (cdr choices)
      (completing-read prompt choices nil t)
    (car choices)))

(defun lambda-dap-read-template ()
  "The project's template (an absolute file name).
Asks when there are several, or none."
  (let* ((root (lambda-dap-cwd))
         (found (cl-loop for name in lambda-dap-template-names
                         for file = (expand-file-name name root)
                         when (file-exists-p file) collect file)))
    (if found
        (lambda-dap--choose "Template: " found)
      (expand-file-name
       (read-file-name "Template: " root nil t "template.yaml")))))

(defun lambda-dap-read-function (template)
  "A function of TEMPLATE.
Its only one, the one the user picks, or a logical ID typed in."
  (let ((names (lambda-dap-template-functions template)))
    (if names
        (lambda-dap--choose "Function: " names)
      (read-string "Function (logical ID): "))))

(defun lambda-dap-read-event-file ()
  "An event file, asked for in the project's events/ directory."
  (let ((events (expand-file-name "events/" (lambda-dap-cwd))))
    (expand-file-name
     (read-file-name "Event file: "
                     (if (file-directory-p events) events (lambda-dap-cwd))
                     nil t))))

(defun lambda-dap-read-handler ()
  "A handler (module.function), asked for with a guess from the current file."
  (let* ((module (if buffer-file-name (file-name-base buffer-file-name) "app"))
         (default (concat module (if (derived-mode-p 'python-mode)
                                     ".lambda_handler"
                                   ".handler"))))
    (read-string (format "Handler (%s): " default) nil nil default)))

(defun lambda-dap-read-runtime ()
  "A Lambda runtime, with the current major mode's usual one as the default."
  (let ((default (or (alist-get major-mode lambda-dap-runtimes) "python3.12")))
    (read-string (format "Runtime (%s): " default) nil nil default)))

(defun lambda-dap-code-dir ()
  "A handler's code directory: the current file's, else the workspace folder."
  (if buffer-file-name
      (file-name-directory (expand-file-name buffer-file-name))
    (lambda-dap-cwd)))

(defun lambda-dap-dape-fill (config)
  "Add :function to the template configuration CONFIG when it was not given.
This is dape's `fn' step, which runs once the plist's values are evaluated."
  (if (or (plist-get config :function) (plist-get config :handler))
      config
    (plist-put config :function
               (lambda-dap-read-function (plist-get config :template)))))

;;; dape

(defun lambda-dap-dape-configs ()
  "The `dape-configs' entries for lambda-dap: (NAME . PLIST).
Keyword keys are the launch configuration (schemas/launch.schema.json); the
others tell dape how to start the adapter.  Symbols naming functions are
called when the session starts."
  (let ((adapter `(modes ,lambda-dap-dape-modes
                   ensure dape-ensure-command
                   command ,lambda-dap-command
                   command-args ("--stdio")
                   command-cwd lambda-dap-cwd)))
    `((lambda ,@adapter
        fn lambda-dap-dape-fill
        :type "lambda" :request "launch" :cwd lambda-dap-cwd
        :template lambda-dap-read-template)
      (lambda-keep-alive ,@adapter
        fn lambda-dap-dape-fill
        :type "lambda" :request "launch" :cwd lambda-dap-cwd
        :template lambda-dap-read-template :keepAlive t)
      (lambda-event ,@adapter
        fn lambda-dap-dape-fill
        :type "lambda" :request "launch" :cwd lambda-dap-cwd
        :template lambda-dap-read-template
        :eventFile lambda-dap-read-event-file)
      (lambda-handler ,@adapter
        :type "lambda" :request "launch" :cwd lambda-dap-cwd
        :handler lambda-dap-read-handler :runtime lambda-dap-read-runtime
        :codeDir lambda-dap-code-dir))))

(defun lambda-dap-dape-setup ()
  "Add (or replace) the lambda-dap entries of `dape-configs'."
  (let ((ours (lambda-dap-dape-configs)))
    (setq dape-configs
          (append ours (cl-remove-if (lambda (entry) (assq (car entry) ours))
                                     dape-configs)))))

(defun lambda-dap-invoke-again (&optional event)
  "Invoke the keep-alive session's function again, in the same container.
This sends lambda-dap's custom `invoke' request.  EVENT: empty for the
launch's own event, inline JSON, or the name of an event file."
  (interactive
   (list (read-string "Event (empty: the launch's; JSON; or a file name): ")))
  (unless (fboundp 'dape-request)
    (user-error "lambda-dap: dape is not loaded"))
  (let ((conn (dape--live-connection 'parent t))
        (event (string-trim (or event ""))))
    (unless conn
      (user-error "lambda-dap: no debug session; start one with %s"
                  "M-x dape RET lambda-keep-alive"))
    (dape-request conn "invoke" (lambda-dap--invoke-arguments event)
                  (lambda (_body error)
                    (when error (message "lambda-dap: invoke: %s" error))))))

(defun lambda-dap--invoke-arguments (event)
  "The arguments of the `invoke' request for EVENT (a string).
A hash table, so that no arguments still go out as {}."
  (let ((arguments (make-hash-table :test #'equal)))
    (cond
     ((string-empty-p event))
     ((string-match-p "\\`[[{\"]" event)
      (puthash "event" (json-parse-string event :object-type 'hash-table
                                          :null-object nil
                                          :false-object :json-false)
               arguments))
     (t (puthash "eventFile" (expand-file-name event) arguments)))
    arguments))

;;; eglot

(defun lambda-dap--eglot-entry-p (entry)
  "Non-nil when ENTRY of `eglot-server-programs' is lambda-dap's."
  (eq (cdr-safe entry) #'lambda-dap-eglot-contact))

(defun lambda-dap--entry-modes (entry)
  "The major modes ENTRY of `eglot-server-programs' is for."
  (let ((modes (car entry)))
    (mapcar (lambda (mode) (if (consp mode) (car mode) mode))
            (if (and (consp modes) (not (keywordp (car-safe (cdr-safe modes)))))
                modes
              (list modes)))))

(defun lambda-dap-eglot-contact (&optional interactive &rest _)
  "Eglot's contact for the current buffer: lambda-dap's server in a SAM project.
Elsewhere it is the next server `eglot-server-programs' has for the buffer's
mode, so a Python buffer outside a SAM project keeps its own server.
INTERACTIVE is passed on to a contact function."
  (if (lambda-dap-project-root)
      (list lambda-dap-command "lsp")
    (let ((next (cl-find-if (lambda (entry)
                              (and (not (lambda-dap--eglot-entry-p entry))
                                   (cl-some (lambda (mode)
                                              (provided-mode-derived-p
                                               major-mode mode))
                                            (lambda-dap--entry-modes entry))))
                            eglot-server-programs)))
      (let ((contact (cdr next)))
        (if (functionp contact) (funcall contact interactive) contact)))))

(defun lambda-dap-eglot-setup ()
  "Put lambda-dap's entry first in `eglot-server-programs'.
An entry added before is replaced."
  (setq eglot-server-programs
        (cons (cons lambda-dap-eglot-modes #'lambda-dap-eglot-contact)
              (cl-remove-if #'lambda-dap--eglot-entry-p
                            eglot-server-programs))))

;;;###autoload
(defun lambda-dap-setup ()
  "Register lambda-dap with dape and eglot.
Each is set up when it loads, or now if it already has."
  (interactive)
  (with-eval-after-load 'dape (lambda-dap-dape-setup))
  (with-eval-after-load 'eglot (lambda-dap-eglot-setup)))

(provide 'lambda-dap)
;;; lambda-dap.el ends here
